import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonReport } from '../src/scenario.js';
import { assertReport, N, useSmoke } from './smoke.js';

const smoke = useSmoke();

test('processor: the Processor and the raw loop each emit one output per input and ack it; the replay reproduces every input', async () => {
  const [report] = (await smoke.run('processor')) as readonly ComparisonReport[];
  assertReport(report!, N, ['ours', 'raw', 'replay']);
  assert.deepEqual(
    report!.verdicts.map((v) => `${v.side} vs ${v.baseline}`),
    ['ours vs raw'],
  );
  assert.match(report!.setup, /target ≥ 100,000 inputs\/s: (met|not met)/);
  assert.equal(await smoke.admin.dbsize(), 0, 'every run deletes its keys');
});
