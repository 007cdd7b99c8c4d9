import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p50Verdict, p99Verdict, pairedRatio, throughputVerdict, type Comparison, type RunSample, type SideResult } from '../src/measure.js';
import { parseBenchArgs } from '../src/options.js';
import { formatMarkdown } from '../src/report.js';
import { middleHalf, spread } from '../src/stats.js';

function run(msgsPerSec: number, p50 = 1, p99 = 2): RunSample {
  return { messages: 1, processed: 1, verified: 1, wallMs: 1, msgsPerSec, cpuMs: {}, systemCpuMs: {}, latencyMs: { p50, p99 } };
}

function side(runs: readonly RunSample[]): SideResult {
  return { runs, msgsPerSec: spread(runs.map((r) => r.msgsPerSec)), cpuUsPerMsg: {}, systemUsPerMsg: {}, cpusUsed: {} };
}

// Ours is 1.1 × the baseline in every round; the machine runs 1.7 × faster from round 3 on, and
// for the baseline already in round 2: the step came between the two runs of that round.
const oursSpeeds = [1, 1, 1, 1.7, 1.7];
const baselineSpeeds = [1, 1, 1.7, 1.7, 1.7];
const ours = side(oursSpeeds.map((s) => run(1_100 * s, 2 * s, 10 * s)));
const baseline = side(baselineSpeeds.map((s) => run(1_000 * s, s, 11 * s)));

test("pairedRatio is the median of the rounds' ratios, which a step in the machine's speed within one round does not move", () => {
  assert.equal((ours.msgsPerSec.median / baseline.msgsPerSec.median).toFixed(3), '0.647', 'the ratio of the medians takes them from different speeds');
  assert.equal(pairedRatio(ours, baseline).toFixed(3), '1.100');
  assert.equal(pairedRatio(baseline, ours).toFixed(3), (1 / 1.1).toFixed(3));
});

test('pairedRatio compares the rounds both sides have, and the figure asked for', () => {
  const short = side([run(500, 1, 4)]);
  assert.equal(pairedRatio(ours, short), 2.2);
  assert.equal(
    pairedRatio(ours, short, (r) => r.latencyMs!.p99),
    2.5,
  );
});

test('the verdicts of a comparison are taken round by round', () => {
  const c: Comparison = { n: 1, warmupN: 0, rounds: 5, sides: { ours, baseline } };
  const ratio = throughputVerdict(c, 'ours', 'baseline', 1.05);
  assert.equal(ratio.metric, 'ratio');
  assert.equal(ratio.value.toFixed(3), '1.100');
  assert.equal(ratio.meetsTarget, true);
  assert.equal(throughputVerdict(c, 'ours', 'baseline', 1.2).meetsTarget, false);
  const p99 = p99Verdict(c, 'ours', 'baseline', 1);
  assert.equal(p99.value.toFixed(3), (10 / 11).toFixed(3));
  assert.equal(p99.meetsTarget, true);
  // Ours' p50 is 2 ms × speed, the baseline's 1 ms × speed: per round 1, 1, 0.3, 1.7 and 1.7 ms more.
  const p50 = p50Verdict(c, 'ours', 'baseline', 0.5);
  assert.equal(p50.value, 1);
  assert.equal(p50.meetsTarget, false);
  assert.equal(p50Verdict(c, 'ours', 'baseline', 1).meetsTarget, true);
});

test("a verdict taken round by round carries the middle half of the rounds' figures", () => {
  // Per round, ours over the baseline: 1.1, 1.1, 1.1 × 1/1.7, 1.1, 1.1.
  const c: Comparison = { n: 1, warmupN: 0, rounds: 5, sides: { ours, baseline } };
  const ratio = throughputVerdict(c, 'ours', 'baseline', 1);
  assert.deepEqual({ low: ratio.rounds!.low.toFixed(3), high: ratio.rounds!.high.toFixed(3) }, { low: '1.100', high: '1.100' });
  // Per round 1, 1, 0.3, 1.7 and 1.7 ms more: the 25th percentile is 1, the 75th 1.7.
  const p50 = p50Verdict(c, 'ours', 'baseline', 1);
  assert.deepEqual({ low: p50.rounds!.low, high: Number(p50.rounds!.high.toFixed(3)) }, { low: 1, high: 1.7 });
  assert.deepEqual(middleHalf([]), { low: Number.NaN, high: Number.NaN });
  assert.deepEqual(middleHalf([4, 1, 3, 2]), { low: 1, high: 3 });
});

test("the targets table shows the rounds' middle half and marks a target inside it", () => {
  const wobbly = side([0.9, 1.05, 0.95, 1.1, 1.0].map((r) => run(1_000 * r)));
  const flat = side([1, 1, 1, 1, 1].map(() => run(1_000)));
  const c: Comparison = { n: 1, warmupN: 0, rounds: 5, sides: { ours: wobbly, flat } };
  const results = {
    'request-reply': [
      {
        name: 'request/reply c=100',
        setup: 'test',
        unit: 'msgs/s',
        labels: {},
        comparison: c,
        verdicts: [throughputVerdict(c, 'ours', 'flat', 1.02), throughputVerdict(c, 'ours', 'flat', 0.5)],
      },
    ],
  };
  const machine = { cpuModel: 'cpu', cores: 1, memoryGiB: 1, os: 'os', node: 'v', redisServer: 'r' };
  const markdown = formatMarkdown({ date: '2026-01-01T00:00:00.000Z', machine, options: parseBenchArgs([]), budget: null, results });
  assert.match(markdown, /^\| request\/reply c=100 \| ours vs flat \| 1\.00 \(0\.95–1\.05\) \| ≥ 1\.02 \| \*\*no\*\* · rounds split \|$/m);
  assert.match(markdown, /^\| request\/reply c=100 \| ours vs flat \| 1\.00 \(0\.95–1\.05\) \| ≥ 0\.5 \| yes \|$/m);
});
