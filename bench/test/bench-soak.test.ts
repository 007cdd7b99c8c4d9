import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SoakResult } from '../src/scenarios/soak.js';
import { REGISTRY } from '../src/registry.js';
import { useSmoke } from './smoke.js';

/** A tiny soak: the scenario reads its size from the environment. */
const REQUESTS = 1_600;
process.env['STREAMERSON_SOAK_REQUESTS'] = String(REQUESTS);

const smoke = useSmoke();

test('soak: both runs answer every request through the gateway and sample every stream and used_memory after each chunk', async () => {
  const result = (await smoke.run('soak')) as SoakResult;
  assert.deepEqual(result.runs.map((r) => r.trimming), [true, false]);
  for (const run of result.runs) {
    assert.equal(run.requests, REQUESTS);
    assert.ok(run.reqPerSec > 0);
    assert.deepEqual(run.samples.map((s) => s.requests), [0, 200, 400, 600, 800, 1_000, 1_200, 1_400, 1_600]);
    for (const sample of run.samples) assert.ok(sample.usedMemory > 0, 'used_memory sampled');
    const topics = Object.keys(run.samples.at(-1)!.lengths).filter((k) => k.startsWith('bench-soak'));
    assert.equal(topics.length, 1, `the run's topic is among the sampled streams: ${topics.join(', ')}`);
  }
  const off = result.runs[1]!;
  const offTopic = Object.keys(off.samples.at(-1)!.lengths).find((k) => k.startsWith('bench-soak'))!;
  assert.equal(off.samples.at(-1)!.lengths[offTopic], REQUESTS, 'with trimming off the topic keeps every request');
  const markdown = REGISTRY.soak.markdown(result).join('\n');
  assert.match(markdown, /^\| on \| 1,600 \| [\d,]+ \| [\d,]+ \| [\d,]+ \| topic (yes|no), memory (yes|no) \|$/m);
  assert.match(markdown, /^\| off \| 1,600 \| [\d,]+ \| 1,600 \| [\d,]+ \| /m);
  const [verdict] = REGISTRY.soak.verdicts(result);
  assert.equal(verdict?.verdict.baseline, 'trimming off');
  assert.ok(Number.isFinite(verdict?.verdict.value));
  assert.deepEqual(REGISTRY.soak.chart(result)[0]?.bars.map((b) => b.label), ['trimming on', 'trimming off']);
});
