import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CreditBuffer } from '../src/consumer/credit-buffer.js';

describe('CreditBuffer', () => {
  it('hands items out oldest first, whatever the mix of reads and takes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 60 }), async (steps) => {
        // A step n > 0 reads up to n items (as many as reserved) when the buffer has room; else it takes up to |n| items.
        const buffer = new CreditBuffer<number>(300, 299, 1);
        const model: number[] = [];
        let next = 0;
        for (const n of steps) {
          if (n > 0 && buffer.length < 300) {
            const count = await buffer.reserve(1);
            const items = Array.from({ length: Math.min(n, count) }, () => next++);
            buffer.release(count, items);
            model.push(...items);
          } else {
            for (let k = Math.abs(n); k > 0; k--) assert.equal(buffer.shift(), model.shift());
          }
          assert.equal(buffer.length, model.length);
        }
        assert.deepEqual(buffer.clear(), model);
        assert.equal(buffer.length, 0);
      }),
    );
  });

  it('lets a read reserve again once taking brings it down to refillAt', async () => {
    const buffer = new CreditBuffer<number>(4, 2, 1);
    assert.equal(await buffer.reserve(1), 4);
    buffer.release(4, [1, 2, 3, 4]);
    let count = 0;
    const reserved = buffer.reserve(1).then((n) => (count = n));
    assert.equal(buffer.shift(), 1);
    await Promise.resolve();
    assert.equal(count, 0, 'three held is above refillAt');
    assert.equal(buffer.shift(), 2);
    await reserved;
    assert.equal(count, 2, 'the free slots');
    buffer.release(2, [5]);
    assert.deepEqual([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()], [3, 4, 5, undefined]);
  });
});
