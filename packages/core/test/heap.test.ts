import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from '../src/internal.js';

test('MinHeap: pops in order over random pushes and pops, ties included; peek does not remove; rebuild keeps what it is given', () => {
  const heap = new MinHeap<{ at: number; n: number }>((x) => x.at);
  assert.equal(heap.peek(), undefined);
  assert.equal(heap.pop(), undefined);
  const model: number[] = [];
  for (let n = 0; n < 3_000; n++) {
    if (model.length > 0 && n % 3 === 0) {
      model.sort((a, b) => a - b);
      assert.equal(heap.peek()!.at, model[0]);
      assert.equal(heap.pop()!.at, model.shift());
    } else {
      const at = Math.floor(Math.random() * 100);
      heap.push({ at, n });
      model.push(at);
    }
    assert.equal(heap.size, model.length);
  }
  heap.rebuild([
    { at: 3, n: 0 },
    { at: 1, n: 1 },
    { at: 2, n: 2 },
  ]);
  assert.deepEqual([heap.pop()!.n, heap.pop()!.n, heap.pop()!.n, heap.pop()], [1, 2, 0, undefined]);
  heap.push({ at: 1, n: 9 });
  heap.clear();
  assert.equal(heap.size, 0);
});
