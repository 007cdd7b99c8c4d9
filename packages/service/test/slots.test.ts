import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Slots } from '../src/service/slots.js';

test('slots forced beyond capacity report none free until enough are released', async () => {
  const slots = new Slots(4);
  assert.equal(slots.take(3), 3);
  slots.force();
  slots.force();
  slots.force();
  assert.equal(slots.inUse, 6);
  assert.equal(slots.free, 0, 'a read loop must see no credit, not a negative one');
  assert.equal(slots.take(2), 0);
  let woken = false;
  const waiting = slots.whenFree().then(() => { woken = true; });
  slots.release(2);
  await Promise.resolve();
  assert.equal(slots.free, 0);
  assert.equal(woken, false);
  slots.release(1);
  await waiting;
  assert.equal(slots.free, 1);
  slots.release(3);
  assert.equal(slots.inUse, 0);
  await slots.whenIdle();
});
