import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateResult } from '../src/scenarios/state.js';
import { assertReport, N, SMALL, useSmoke } from './smoke.js';

const smoke = useSmoke();

test('state: the writer and the raw Lua loop apply every command (throughput), answer every caller (latency, p50 and p99), reads find every key, a shard recovers', async () => {
  const { reports, recovery } = (await smoke.run('state')) as StateResult;
  const [throughput, latency, reads] = reports;
  assertReport(throughput!, N, ['ours', 'raw']);
  assert.deepEqual(
    throughput!.verdicts.map((v) => `${v.side} vs ${v.baseline}`),
    ['ours vs raw'],
  );
  assert.match(throughput!.setup, /over 1,000 keys/);
  assert.equal(latency!.name, 'state c=16');
  assertReport(latency!, SMALL, ['ours', 'raw']);
  for (const side of Object.values(latency!.comparison.sides)) {
    assert.ok(side.latencyMs !== undefined && side.latencyMs.p50.median > 0 && side.latencyMs.p99.median >= side.latencyMs.p50.median);
  }
  assert.equal(reads!.name, 'state reads');
  assertReport(reads!, SMALL, ['ours', 'raw']);
  assert.equal(recovery.keys, SMALL);
  assert.ok(recovery.readerMs.median > 0 && recovery.writerMs.median > 0);
  assert.ok(recovery.snapshotBytesPerKey > 0 && recovery.rawStateBytesPerKey > 0 && recovery.changelogBytesPerChange > recovery.rawEventBytesPerChange);
  assert.equal(recovery.verdict.metric, 'maxMs');
  assert.equal(await smoke.admin.dbsize(), 0, 'every run deletes its keys');
});
