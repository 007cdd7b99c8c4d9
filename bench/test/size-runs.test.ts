import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { sizeRuns, type Side } from '../src/measure.js';

/** A side that records the size of every run it makes; a run of `count` takes 10 ms. */
function recording(runs: number[]): Side {
  return async (count) => ({
    run: async () => {
      runs.push(count);
      await delay(10);
      return count;
    },
    verifyAndCleanup: async () => count,
  });
}

test('sizeRuns: every side makes the warm-up and calibration runs of the calibrated one, so none enters the rounds warmer', async () => {
  const runs: Record<string, number[]> = { ours: [], chain: [], moleculer: [] };
  const sides = { ours: recording(runs['ours']!), chain: recording(runs['chain']!), moleculer: recording(runs['moleculer']!) };
  const { n, rate } = await sizeRuns(sides, 'ours', 100, 20, 1, 2);
  assert.deepEqual(runs, { ours: [20, 100], chain: [20, 100], moleculer: [20, 100] });
  // No upper bound from the 10 ms: a timer may fire a fraction of a millisecond early by performance.now().
  assert.ok(rate > 0, `the calibrated side's rate (${rate} per second)`);
  assert.ok(n >= 100 && (n * 2) / rate >= 1, `2 runs of ${n} at ${Math.round(rate)} per second last at least 1 s`);
});

test('sizeRuns: without a least time nothing runs; an unknown side to calibrate on is an error', async () => {
  const runs: number[] = [];
  assert.deepEqual(await sizeRuns({ ours: recording(runs) }, 'ours', 100, 20, 0, 2), { n: 100, rate: 0 });
  assert.deepEqual(runs, []);
  await assert.rejects(sizeRuns({ ours: recording(runs) }, 'theirs', 100, 20, 1, 2), /no side "theirs" to calibrate on/);
});
