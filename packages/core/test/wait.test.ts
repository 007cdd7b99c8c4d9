import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settlesWithin } from '../src/wait.js';

test('settlesWithin: true once the work settles, fulfilled or rejected', async () => {
  assert.equal(await settlesWithin(Promise.resolve(1), 1_000), true);
  assert.equal(await settlesWithin(Promise.reject(new Error('x')), 1_000), true);
});

test('settlesWithin: false when the time runs out first, and the timer does not hold the process', async () => {
  const never = new Promise(() => undefined);
  const started = performance.now();
  assert.equal(await settlesWithin(never, 20), false);
  assert.ok(performance.now() - started >= 19);
});
