import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonReport } from '../src/scenario.js';
import { assertReport, N, SMALL, useSmoke } from './smoke.js';

const smoke = useSmoke();

test('state: the writer and the raw Lua loop apply every command (throughput), and answer every caller (latency, p50 and p99)', async () => {
  const [throughput, latency] = (await smoke.run('state')) as readonly ComparisonReport[];
  assertReport(throughput!, N, ['ours', 'raw']);
  assert.deepEqual(throughput!.verdicts.map((v) => `${v.side} vs ${v.baseline}`), ['ours vs raw']);
  assert.match(throughput!.setup, /over 1,000 keys/);
  assert.equal(latency!.name, 'state c=16');
  assertReport(latency!, SMALL, ['ours', 'raw']);
  for (const side of Object.values(latency!.comparison.sides)) {
    assert.ok(side.latencyMs !== undefined && side.latencyMs.p50.median > 0 && side.latencyMs.p99.median >= side.latencyMs.p50.median);
  }
  assert.equal(await smoke.admin.dbsize(), 0, 'every run deletes its keys');
});
