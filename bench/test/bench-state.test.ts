import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonReport } from '../src/scenario.js';
import { assertReport, N, useSmoke } from './smoke.js';

const smoke = useSmoke();

test('state: the StateWriter and the raw Lua loop each store one changelog entry per command and ack it', async () => {
  const [report] = (await smoke.run('state')) as readonly ComparisonReport[];
  assertReport(report!, N, ['ours', 'raw']);
  assert.deepEqual(report!.verdicts.map((v) => `${v.side} vs ${v.baseline}`), ['ours vs raw']);
  assert.match(report!.setup, /over 1,000 keys/);
  assert.equal(await smoke.admin.dbsize(), 0, 'every run deletes its keys');
});
