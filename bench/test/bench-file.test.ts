import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonReport } from '../src/scenario.js';
import { FILE_RR_CONCURRENCY } from '../src/scenarios/file.js';
import { useSmoke } from './smoke.js';

const smoke = useSmoke();

test('file: produce, consume and request/reply on file:// beside SQLite used directly, memory:// and Redis, each side confirming every message', async () => {
  const reports = (await smoke.run('file')) as readonly ComparisonReport[];
  assert.deepEqual(
    reports.map((r) => r.name),
    ['file:// produce', 'file:// consume', `file:// request/reply c=${FILE_RR_CONCURRENCY}`],
  );
  for (const report of reports) {
    const rr = report.name.startsWith('file:// request/reply');
    assert.deepEqual(Object.keys(report.comparison.sides).sort(), [...(rr ? ['engine'] : []), 'file', 'memory', 'redis', 'sqlite']);
    for (const side of Object.values(report.comparison.sides)) assert.ok(side.msgsPerSec.median > 0);
    assert.deepEqual(
      report.verdicts.map((v) => `${v.side} ${v.baseline}`),
      ['file sqlite', ...(rr ? ['engine sqlite'] : [])],
    );
  }
});
