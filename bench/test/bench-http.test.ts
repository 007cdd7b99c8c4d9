import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopAll, type ChildHandle } from '../src/child.js';
import { HELLO_CALL } from '../src/http-calls.js';
import type { ScenarioName } from '../src/options.js';
import type { ComparisonReport } from '../src/scenario.js';
import { BUDGET_ROUND_SPLIT, baselineNotes, HTTP_TARGETS, httpSides, requestsPerRun } from '../src/scenarios/http.js';
import type { Comparison, RunSample, SideResult } from '../src/measure.js';
import { spread } from '../src/stats.js';
import { assertModes, assertRendered, assertReport, SMALL, useSmoke } from './smoke.js';

const smoke = useSmoke();

async function runComparisons(name: ScenarioName): Promise<readonly ComparisonReport[]> {
  return (await smoke.run(name)) as readonly ComparisonReport[];
}

test("http: every HTTP target answers every GET /hello and POST /echo with the expected body, with each process's CPU", async () => {
  const reports = await runComparisons('http');
  assert.deepEqual(
    reports.map((r) => r.name),
    smoke.inModes('HTTP GET /hello', 'HTTP POST /echo'),
  );
  const roles: Record<string, readonly string[]> = {
    ours: ['gateway', 'worker'],
    fastify: ['fastify'],
    chain: ['front', 'back'],
    moleculer: ['moleculer-web', 'moleculer service'],
    streams: ['gateway', 'worker'],
    least: ['gateway', 'worker'],
  };
  for (const report of reports) {
    // Budget mode splits each call's requests into more, shorter runs.
    const split = report.mode === 'budget' ? BUDGET_ROUND_SPLIT : 1;
    assertReport(report, Math.ceil(SMALL / split), Object.keys(roles), (side) => roles[side]!, split);
    for (const side of Object.values(report.comparison.sides)) assert.ok(side.latencyMs !== undefined && side.latencyMs.p99.median > 0);
    assert.deepEqual(
      report.verdicts.map((v) => `${v.metric} ${v.baseline}`),
      ['ratio chain', 'ratio moleculer', 'ratio streams', 'p99Ratio chain'],
    );
    assert.equal(report.notes?.length, 2);
    assert.match(report.notes[0]!, /^The hand-written streams gateway made \d+\.\d\d × the chain's and \d+\.\d\d × Moleculer's/);
    assert.match(report.notes[1]!, /^The least streams hop \(raw sockets, none of the features\) made \d+\.\d\d × the chain's and \d+\.\d\d × Moleculer's: /);
  }
  assertModes(smoke, reports);
});

test('http: runs are raised from a calibration run so that our gateway carries the load at least httpMinSeconds', async () => {
  const children: ChildHandle[] = [];
  try {
    const target = await HTTP_TARGETS['ours']!.start(smoke.ctx, (c) => children.push(c));
    const minSeconds = 0.5;
    const sized = { ...smoke.ctx, options: { ...smoke.ctx.options, httpMinSeconds: minSeconds, rounds: 2 } };
    const sides = httpSides({ ours: target }, HELLO_CALL, smoke.ctx.options.httpConnections);
    const warmupN = smoke.ctx.options.httpConnections;
    const { n, rate } = await requestsPerRun(sized, sides, warmupN, 1);
    assert.ok(rate > 0, 'the calibration run measured a rate');
    assert.ok(n >= SMALL, 'never fewer than httpRequests');
    assert.ok((n * 2) / rate >= minSeconds, `2 runs of ${n} at ${Math.round(rate)} req/s last at least ${minSeconds} s`);
    const split = await requestsPerRun(sized, sides, warmupN, 4);
    assert.ok(split.n >= SMALL / 4, 'split in 4: never fewer than a quarter of httpRequests');
    assert.ok((split.n * 8) / split.rate >= minSeconds, `8 runs of ${split.n} at ${Math.round(split.rate)} req/s last at least ${minSeconds} s`);
    const unsized = await requestsPerRun({ ...sized, options: { ...sized.options, httpMinSeconds: 0 } }, sides, warmupN, 1);
    assert.deepEqual(unsized, { n: SMALL, rate: 0 }, 'without a least time, httpRequests as given and no calibration run');
    const unsizedSplit = await requestsPerRun({ ...sized, options: { ...sized.options, httpMinSeconds: 0 } }, sides, warmupN, 4);
    assert.deepEqual(unsizedSplit, { n: Math.ceil(SMALL / 4), rate: 0 }, 'split in 4 without a least time: a quarter of httpRequests');
  } finally {
    await stopAll(children);
  }
});

test('report: both HTTP calls appear in the Markdown and the chart, in each mode', () => {
  assertRendered(smoke, 'bench-http', {
    rows: [],
    modeRows: ['HTTP GET /hello', 'HTTP POST /echo'],
    budgetRows: [],
    sections: [],
    chart: [/HTTP GET \/hello/, /HTTP POST \/echo/],
  });
});

test('http: the notes under each table say what the chain and Moleculer targets ask of ours in terms of the hand-written gateway, and which lie beyond even the least hop', () => {
  const run = (msgsPerSec: number): RunSample => ({ messages: 1, processed: 1, verified: 1, wallMs: 1, msgsPerSec, cpuMs: {}, systemCpuMs: {} });
  const side = (rates: readonly number[]): SideResult => ({
    runs: rates.map(run),
    msgsPerSec: spread(rates),
    cpuUsPerMsg: {},
    systemUsPerMsg: {},
    cpusUsed: {},
  });
  // Round by round the hand-written gateway makes 1.6 × the chain and 2 × Moleculer, and the least hop 2 × and 2.5 ×, whatever the machine's speed.
  const sides = {
    streams: side([1_600, 3_200, 1_600]),
    least: side([2_000, 4_000, 2_000]),
    chain: side([1_000, 2_000, 1_000]),
    moleculer: side([800, 1_600, 800]),
  };
  const comparison: Comparison = { n: 1, warmupN: 0, rounds: 3, sides };
  const targets = { chain: 1.7, moleculer: 2.2 };
  assert.deepEqual(baselineNotes(comparison, targets), [
    "The hand-written streams gateway made 1.60 × the chain's and 2.00 × Moleculer's requests per second (median of the rounds' ratios): " +
      "the targets of 1.7 × and 2.2 × ask ours for 1.06 × and 1.10 × the hand-written gateway's rate.",
    "The least streams hop (raw sockets, none of the features) made 2.00 × the chain's and 2.50 × Moleculer's: both targets lay within its reach.",
  ]);
  assert.equal(
    baselineNotes(comparison, { chain: 2.1, moleculer: 2.6 })[1],
    "The least streams hop (raw sockets, none of the features) made 2.00 × the chain's and 2.50 × Moleculer's: the 2.1 × and 2.6 × targets lay beyond even it.",
  );
  assert.equal(
    baselineNotes(comparison, { chain: 1.7, moleculer: 2.6 })[1],
    "The least streams hop (raw sockets, none of the features) made 2.00 × the chain's and 2.50 × Moleculer's: the 2.6 × target lay beyond even it.",
  );
  assert.deepEqual(baselineNotes({ ...comparison, sides: { streams: sides.streams, least: sides.least, chain: sides.chain } }, targets), []);
  assert.equal(baselineNotes({ ...comparison, sides: { least: sides.least, chain: sides.chain, moleculer: sides.moleculer } }, targets).length, 1);
});
