/** The member's small parts that need no engine: slots and the retry queue. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MinHeap } from '@streamerson/core/internal';
import { RetryQueue, type RetryItem } from '../src/service/retry-queue.js';
import { Slots } from '../src/service/slots.js';

test('slots: take at most the free ones, wake a waiter on release, idle when all are back', async () => {
  const slots = new Slots(4);
  assert.equal(slots.take(3), 3);
  assert.equal(slots.take(5), 1);
  assert.equal(slots.free, 0);
  assert.equal(slots.take(1), 0);
  let woken = false;
  const waiting = slots.whenFree().then(() => {
    woken = true;
  });
  await Promise.resolve();
  assert.equal(woken, false);
  slots.release(1);
  await waiting;
  assert.equal(slots.free, 1);
  let idle = false;
  const idling = slots.whenIdle().then(() => {
    idle = true;
  });
  slots.release(2);
  await Promise.resolve();
  assert.equal(idle, false);
  slots.release(1);
  await idling;
  assert.equal(slots.free, 4);
});

function item(id: string, dueAt: number): RetryItem {
  return { key: `s\n${id}`, stream: 's', id, deliveries: 1, dueAt, firstFailedAt: 0 };
}

test('retry queue: due items earliest first, at most as many as asked, deleted ones skipped', () => {
  const q = new RetryQueue();
  assert.equal(q.nextDueAt(), Infinity);
  const dues = [50, 10, 40, 30, 20, 60, 5, 45];
  for (const [i, due] of dues.entries()) q.add(item(`${i}-0`, due));
  assert.equal(q.size, 8);
  assert.equal(q.nextDueAt(), 5);
  assert.ok(q.has('s\n6-0'));
  q.add(item('6-0', 55)); // replaces the retry of 6-0 (due 5): the old item stays in the heap, stale
  assert.equal(q.size, 8);
  assert.equal(q.nextDueAt(), 10, 'a replaced item is skipped at the top');
  assert.deepEqual(
    q.takeDue(35, 2).map((i) => i.dueAt),
    [10, 20],
  );
  assert.deepEqual(
    q.takeDue(35, 10).map((i) => i.dueAt),
    [30],
  );
  assert.equal(q.size, 5);
  q.add(item('2-0', 1)); // replaces the retry of 2-0 (due 40)
  assert.deepEqual(
    q.takeDue(100, 10).map((i) => [i.id, i.dueAt]),
    [
      ['2-0', 1],
      ['7-0', 45],
      ['0-0', 50],
      ['6-0', 55],
      ['5-0', 60],
    ],
  );
  assert.equal(q.size, 0);
  assert.equal(q.nextDueAt(), Infinity);
});

test('retry queue: order holds over many random adds and replacements; stale heap items stay bounded', () => {
  const q = new RetryQueue();
  const live = new Map<string, number>();
  for (let round = 0; round < 2_000; round++) {
    const id = `${round % 300}-0`;
    const due = Math.floor(Math.random() * 10_000);
    q.add(item(id, due));
    live.set(`s\n${id}`, due);
    if (round % 97 === 0) {
      const taken = q.takeDue(due, 5);
      for (const t of taken) live.delete(t.key);
    }
  }
  assert.equal(q.size, live.size);
  assert.ok((q as unknown as { heap: MinHeap<unknown> }).heap.size <= 2 * live.size + 16, 'stale items are at most as many as live ones (and a few)');
  const out = q.takeDue(Infinity, Infinity).map((i) => i.dueAt);
  assert.deepEqual(
    out,
    [...live.values()].sort((a, b) => a - b),
  );
  assert.equal((q as unknown as { heap: MinHeap<unknown> }).heap.size, 0, 'the heap is empty once every live item was taken');
});
