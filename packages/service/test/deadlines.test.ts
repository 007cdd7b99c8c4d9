import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@streamerson/testkit';
import { Deadlines } from '../src/client/deadlines.js';

function recorder(): { expired: { id: string; at: number }[]; deadlines: Deadlines } {
  const expired: { id: string; at: number }[] = [];
  const t0 = Date.now();
  const deadlines = new Deadlines((id) => expired.push({ id, at: Date.now() - t0 }));
  return { expired, deadlines };
}

test('deadlines: requests of mixed timeouts expire in deadline order, none early', async () => {
  const { expired, deadlines } = recorder();
  deadlines.add('long', 120);
  deadlines.add('short', 30);
  deadlines.add('mid', 60);
  deadlines.add('short-2', 30);
  await waitFor(() => expired.length === 4, { what: 'every request expired' });
  assert.deepEqual(
    expired.map((e) => e.id),
    ['short', 'short-2', 'mid', 'long'],
  );
  const at = Object.fromEntries(expired.map((e) => [e.id, e.at]));
  assert.ok(at['short']! >= 29 && at['mid']! >= 59 && at['long']! >= 119, JSON.stringify(at));
});

test('deadlines: a removed request never expires, the others still do', async () => {
  const { expired, deadlines } = recorder();
  deadlines.add('a', 30);
  deadlines.add('b', 30);
  deadlines.add('c', 50);
  deadlines.remove('a', 30);
  deadlines.remove('c', 50);
  deadlines.remove('unknown', 30);
  deadlines.remove('b', 999);
  // A request after the removed ones: once it expired, they would have.
  deadlines.add('after', 70);
  await waitFor(() => expired.length === 2, { what: 'b and the request after the removed ones expired' });
  assert.deepEqual(
    expired.map((e) => e.id),
    ['b', 'after'],
  );
});

test('deadlines: an earlier request added later sets the timer earlier', async () => {
  const { expired, deadlines } = recorder();
  deadlines.add('late', 500);
  deadlines.add('early', 20);
  await waitFor(() => expired.length === 1, { what: 'the early request expired' });
  assert.deepEqual(
    expired.map((e) => e.id),
    ['early'],
  );
  assert.ok(expired[0]!.at < 500, `expired after ${expired[0]!.at} ms, not with the late one`);
  deadlines.remove('late', 500);
});

test('deadlines: with nothing left the timer is gone, so it does not hold the process', async () => {
  const { deadlines } = recorder();
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  deadlines.add('x', 10_000);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before + 1);
  deadlines.remove('x', 10_000);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before);
  deadlines.add('y', 10_000);
  deadlines.add('z', 5_000);
  deadlines.remove('y', 10_000);
  deadlines.remove('z', 5_000);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before, 'gone once the last of two lanes is empty');
});
