import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkRates, flat, type SoakResult, type SoakSample } from '../src/scenarios/soak.js';
import { REGISTRY } from '../src/registry.js';
import { useSmoke } from './smoke.js';

const smoke = useSmoke();

test('soak: both sides answer every request through their gateway and sample every stream and used_memory of their own server after each chunk', async () => {
  const result = (await smoke.run('soak')) as SoakResult;
  assert.deepEqual(
    result.runs.map((r) => [r.round, r.trimming]),
    [
      [0, true],
      [0, false],
    ],
  );
  for (const run of result.runs) {
    assert.equal(run.requests, 800);
    assert.ok(run.reqPerSec > 0);
    assert.deepEqual(Object.keys(run.cpuUsPerRequest), ['redis-server', 'bench (service)', 'gateway']);
    for (const us of Object.values(run.cpuUsPerRequest)) assert.ok(us > 0 && Number.isFinite(us));
    assert.deepEqual(
      run.samples.map((s) => s.requests),
      [0, 100, 200, 300, 400, 500, 600, 700, 800],
    );
    for (const sample of run.samples) assert.ok(sample.usedMemory > 0, 'used_memory sampled');
    const topics = Object.keys(run.samples.at(-1)!.lengths).filter((k) => k.startsWith('bench-soak'));
    assert.equal(topics.length, 1, `the run's topic is among the sampled streams: ${topics.join(', ')}`);
  }
  const off = result.runs[1]!;
  const offTopic = Object.keys(off.samples.at(-1)!.lengths).find((k) => k.startsWith('bench-soak'))!;
  assert.equal(off.samples.at(-1)!.lengths[offTopic], 900, "with trimming off the topic keeps every request, the warm-up chunk's too");
  assert.equal(off.trimPasses, 0);
  const markdown = REGISTRY.soak.markdown(result).join('\n');
  assert.match(
    markdown,
    /^\| 1 \| on \| 800 \| [\d,]+ \| \d+, \d+, \d+ \| [\d,]+ \([\d,]+\) \| [\d,]+ \([\d,]+\) \| [\d,]+, [\d,]+ \| topic (yes|no), every stream (yes|no), memory (yes|no) \|$/m,
  );
  assert.match(markdown, /^\| 1 \| off \| 800 \| [\d,]+ \| \d+, \d+, \d+ \| 900 \(900\) \| [\d,]+ \([\d,]+\) \| 0, 0 \| /m);
  assert.match(markdown, /^\| 800 \| [\d,]+ \| 900 \| [\d.]+ \| [\d.]+ \|$/m, 'the curve table ends at the last sample');
  const [verdict] = REGISTRY.soak.verdicts(result);
  assert.equal(verdict?.verdict.baseline, 'trimming off');
  assert.ok(Number.isFinite(verdict?.verdict.value));
  assert.deepEqual(
    REGISTRY.soak.chart(result)[0]?.bars.map((b) => b.label),
    ['trimming on', 'trimming off'],
  );
});

test('soak: a saw tooth of a periodic trim is flat, a stream that keeps growing is not', () => {
  const tooth = [0, 10, 20, 30, 40];
  assert.equal(flat(Array.from({ length: 6 }, () => tooth.map((n) => n * 1_000)).flat()), true);
  assert.equal(flat(Array.from({ length: 30 }, (_, i) => i * 10_000)), false);
  assert.equal(flat(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 1_000 : 1_500))), true);
  assert.equal(flat([...Array.from({ length: 24 }, () => 1_000), ...Array.from({ length: 8 }, () => 1_200)]), false, 'a late step up of 20 %');
  assert.equal(flat(Array.from({ length: 30 }, (_, i) => i)), true, 'growth within a node (100 entries) is flat');
});

test('soak: a saw tooth whose teeth follow the throughput of the chunk before them is flat; growth is not, whatever the throughput', () => {
  // An interval's worth of traffic at most: the tooth's phase times the chunk's rate. The last quarter runs 15 % faster.
  const rates = Array.from({ length: 40 }, (_, i) => (i < 30 ? 10_000 : 11_500));
  const teeth = rates.map((rate, i) => rate * [0.25, 0.5, 0.75, 1][i % 4]!);
  assert.equal(flat(teeth), false, 'its peaks alone grew by 15 %');
  assert.equal(flat(teeth, rates), true);
  const growing = rates.map((_, i) => 1_000 + i * 1_000);
  assert.equal(flat(growing, rates), false, 'the faster last quarter explains 15 % of growth, not more');
  assert.equal(
    flat(
      growing.map((n, i) => (i < 30 ? 5_000 : n)),
      rates,
    ),
    false,
    'a late step up',
  );
  assert.equal(
    flat(
      growing,
      Array.from({ length: 40 }, () => 0),
    ),
    false,
    'no rate known: the peaks decide',
  );
});

test('soak: the rate of each chunk is its requests over the time this side spent under load for it', () => {
  const at = (requests: number, busyMs: number): SoakSample => ({ requests, busyMs, elapsedMs: busyMs * 2, usedMemory: 1, lengths: {} });
  assert.deepEqual(chunkRates([at(0, 0), at(100, 50), at(200, 150), at(200, 150)]), [0, 2_000, 1_000, 0]);
});

test("soak: the throughput verdict is the median of the rounds' ratios, trimming on over off", () => {
  const run = (round: number, trimming: boolean, reqPerSec: number) => ({ round, trimming, reqPerSec, flat: { topic: true, streams: true, memory: true } });
  // On is 0.96 × off in rounds 1 and 2; in round 3 the machine slowed down between the two sides' chunks.
  // The ratio of the two medians would be 1,500 / 1,000.
  const result = {
    runs: [run(0, true, 960), run(0, false, 1_000), run(1, true, 2_400), run(1, false, 2_500), run(2, true, 1_500), run(2, false, 750)],
  } as unknown as SoakResult;
  const [verdict] = REGISTRY.soak.verdicts(result);
  assert.equal(verdict?.verdict.value.toFixed(3), '0.960');
  assert.equal(verdict?.verdict.meetsTarget, true);
});
