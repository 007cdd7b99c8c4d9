import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, Producer, streamKey } from '@streamerson/core';
import { Client, Service } from '@streamerson/service';
import { RESULTS_END, RESULTS_START, spliceResults } from '../src/doc.js';
import { CLIENT_PROCESS, SERVER_PROCESS } from '../src/measure.js';
import { parseBenchArgs, SCENARIOS, type ScenarioName } from '../src/options.js';
import { makePayload } from '../src/payload.js';
import { PROTOCOL_FIELDS_BEFORE_PAYLOAD } from '../src/raw.js';
import type { ComparisonReport } from '../src/scenario.js';
import type { SideResult } from '../src/measure.js';
import { REGISTRY } from '../src/registry.js';
import type { FanoutResult } from '../src/scenarios/fanout.js';
import type { MemoryResult } from '../src/scenarios/memory.js';
import type { RssResult } from '../src/scenarios/rss.js';
import {
  PROTOCOL_REPLY_ID,
  PROTOCOL_REPLY_NAMES,
  PROTOCOL_REPLY_PAYLOAD,
  PROTOCOL_REQUEST_HEADERS,
  PROTOCOL_REQUEST_ID,
  PROTOCOL_REQUEST_NAMES,
  PROTOCOL_REQUEST_PAYLOAD,
  PROTOCOL_REQUEST_REPLY_TO,
  PROTOCOL_REQUEST_TYPE,
  PROTOCOL_REQUEST_VERSION,
  RR_GROUP,
  RR_TYPE,
} from '../src/workers/rr-protocol.js';
import { assertModes, assertRendered, assertReport, CLI_LINES, N, SMALL, SMOKE_COVERAGE, useSmoke } from './smoke.js';

const smoke = useSmoke();

async function runComparisons(name: ScenarioName): Promise<readonly ComparisonReport[]> {
  return (await smoke.run(name)) as readonly ComparisonReport[];
}

test('produce: every side stores exactly N entries', async () => {
  const [report] = await runComparisons('produce');
  assertReport(report!, N, ['ours', 'raw', 'rawSameFormat']);
  assert.equal(await smoke.admin.dbsize(), 0, 'every run cleans up its stream');
});

test('consume: every side reads and acks exactly N messages', async () => {
  const [report] = await runComparisons('consume');
  assertReport(report!, N, ['ours', 'raw', 'rawSameFormat']);
  assert.equal(await smoke.admin.dbsize(), 0, 'the pre-filled streams are deleted');
});

test('cli: the binary produces every line of the file, raw XADD writes the same lines, tap reads them all back', async () => {
  const [report] = await runComparisons('cli');
  assertReport(report!, CLI_LINES, ['ours', 'raw', 'tap'], (side) => (side === 'raw' ? [] : ['cli']));
  for (const side of ['ours', 'tap']) {
    const run = report!.comparison.sides[side]!.runs[0]!;
    assert.ok(run.cpuMs['cli']! > 0, `${side}: the child reported its CPU`);
    assert.ok(run.systemCpuMs['cli']! >= 0 && run.systemCpuMs['cli']! <= run.cpuMs['cli']!, `${side}: and its system time`);
  }
  assert.deepEqual(
    report!.verdicts.map((v) => `${v.side} vs ${v.baseline}`),
    ['ours vs raw', 'tap vs ours'],
  );
  assert.equal(await smoke.admin.dbsize(), 0, 'every run deletes its stream');
});

test('bullmq: our consumer and a BullMQ worker each process the same jobs', async () => {
  const [report] = await runComparisons('bullmq');
  assertReport(report!, SMALL, ['ours', 'bullmq']);
  assert.equal(await smoke.admin.dbsize(), 0, 'the stream and the queues are deleted');
});

test('request-reply: every side answers every request at each concurrency, with latency and worker CPU', async () => {
  const reports = await runComparisons('request-reply');
  assert.deepEqual(
    reports.map((r) => r.name),
    smoke.inModes('request/reply c=1', 'request/reply c=100'),
  );
  for (const report of reports) {
    assertReport(
      report,
      report.name.startsWith('request/reply c=1,') || report.name === 'request/reply c=1' ? 50 : SMALL,
      ['ours', 'raw', 'rawSameFormat'],
      () => ['worker'],
    );
    assert.equal(report.verdicts[0]?.metric, report.name.includes('c=100') ? 'ratio' : 'p50DeltaMs');
  }
  for (const side of reports.flatMap((r) => Object.values(r.comparison.sides))) {
    assert.ok(side.latencyMs !== undefined && side.latencyMs.p50.median > 0 && side.latencyMs.p99.median >= side.latencyMs.p50.median);
  }
  assertModes(smoke, reports);
});

test('fanout: every subscriber gets every message, in order, from the gateway and from the bare relay', async () => {
  const result = (await smoke.run('fanout')) as FanoutResult;
  assert.deepEqual(Object.keys(result.comparison.sides), ['ours', 'relay']);
  for (const [key, runs] of Object.entries(result.runs)) {
    assert.equal(runs.length, 1, key);
    for (const run of runs) {
      assert.equal(run.expected, 20 * 50);
      assert.equal(run.received, run.expected, `${key}: delivered everything`);
      assert.equal(run.perSubscriberMin, 20);
      assert.equal(run.outOfOrder, 0);
      assert.ok(run.minMs > 0 && run.p99Ms >= run.p50Ms, `${key}: latencies ${run.minMs} ${run.p50Ms} ${run.p99Ms}`);
    }
  }
  const roles = { ours: 'gateway', relay: 'relay' } as const;
  for (const [key, side] of Object.entries(result.comparison.sides)) {
    assert.deepEqual(Object.keys(side.runs[0]!.cpuMs), [CLIENT_PROCESS, SERVER_PROCESS, roles[key as keyof typeof roles], 'subscribers']);
  }
});

test('rss: gateway and worker RSS at idle and under load, and the slow consumer sampled while overloaded', async () => {
  const result = (await smoke.run('rss')) as RssResult;
  assert.deepEqual(Object.keys(result.processes), ['gateway', 'worker']);
  for (const p of Object.values(result.processes)) {
    assert.ok(p.idleMB > 10 && p.loadPeakMB.median > 10 && p.afterMB > 10, JSON.stringify(p));
  }
  assert.deepEqual(
    result.slow.map((s) => s.kind),
    ['consumer', 'service'],
  );
  for (const slow of result.slow) {
    assert.ok(slow.samplesMB.length >= 3, `samples ${slow.samplesMB.join(', ')}`);
    assert.ok(slow.processed > 0 && slow.produced > slow.processed, `${slow.kind}: ${slow.processed} of ${slow.produced}`);
    assert.equal(slow.verdict.metric, 'rssGrowthMB');
    assert.equal(slow.verdict.value, slow.maxMB - slow.startMB);
  }
});

test('memory: bytes per entry of both sides at each payload size', async () => {
  const result = (await smoke.run('memory')) as MemoryResult;
  assert.deepEqual(
    result.rows.map((r) => r.payloadBytes),
    [50, 500],
  );
  for (const row of result.rows) {
    assert.equal(row.ours.entries, N);
    assert.equal(row.raw.entries, N);
    assert.ok(row.raw.bytesPerEntry > row.payloadBytes * 0.8, 'an entry holds at least its payload');
    assert.ok(row.ours.bytesPerEntry > row.payloadBytes * 0.8);
    assert.equal(row.ratio, row.ours.bytesPerEntry / row.raw.bytesPerEntry);
  }
});

test('report: the scenarios of this file appear in the Markdown and the chart; the smoke files together cover every scenario', () => {
  assert.deepEqual(Object.values(SMOKE_COVERAGE).flat().sort(), [...SCENARIOS].sort(), 'every registered scenario has a smoke test');
  assertRendered(smoke, 'bench-smoke', {
    rows: [
      'produce',
      'consume',
      'CLI produce/tap',
      'consume vs BullMQ',
      'memory 500 B',
      'slow consumer RSS at 10× overload',
      'slow service RSS at 10× overload',
    ],
    modeRows: ['request/reply c=1', 'request/reply c=100'],
    budgetRows: [],
    sections: ['| 500 B |', '**fan-out**', '**rss (gateway path)**', '**rss (slow consumer)**'],
    chart: [/request\/reply c=100/, /CLI produce\/tap/, /fan-out to 50 WebSocket subscribers/, /rss: resident memory/],
  });
});

test('report: a comparison run in both modes gets a table of the two side by side, naming the budget that binds', () => {
  const side = (rate: number, used: Record<string, number>): SideResult => ({
    runs: [{ messages: 1, processed: 1, verified: 1, wallMs: 1, msgsPerSec: rate, cpuMs: {}, systemCpuMs: {}, latencyMs: { p50: 1, p99: 2 } }],
    msgsPerSec: { median: rate, min: rate, max: rate },
    cpuUsPerMsg: { bench: 30, gateway: 66.54 },
    systemUsPerMsg: { bench: 9, gateway: 12.04 },
    cpusUsed: used,
    latencyMs: { p50: { median: 1, min: 1, max: 1 }, p99: { median: 2, min: 2, max: 2 } },
  });
  const report = (mode: 'shared' | 'budget', ours: number, chain: number): ComparisonReport => ({
    name: `HTTP GET /hello${mode === 'budget' ? ', CPU budgets' : ''}`,
    setup: 'setup.',
    unit: 'req/s',
    labels: { ours: 'ours', chain: 'the chain' },
    comparison: {
      n: 1,
      warmupN: 0,
      rounds: 1,
      sides: { ours: side(ours, { bench: 0.5, gateway: 0.29, worker: 0.1 }), chain: side(chain, { bench: 0.5, front: 0.1, back: 0.1 }) },
    },
    verdicts: [],
    mode,
    ...(mode === 'budget' ? { budgetCpus: 0.3 } : {}),
  });
  const markdown = REGISTRY.http.markdown([report('shared', 300, 200), report('budget', 150, 50)]).join('\n');
  assert.match(markdown, /\*\*HTTP GET \/hello: shared cores and CPU budgets side by side\*\*/);
  assert.match(markdown, /^\| ours \| 300 \| – \| 1\.000 \| 2\.000 \| 150 \| – \| 1\.000 \| 2\.000 \| gateway \|$/m);
  assert.match(markdown, /^\| the chain \| 200 \| 1\.50 \| 1\.000 \| 2\.000 \| 50 \| 3\.00 \| 1\.000 \| 2\.000 \| no budget \|$/m);
  assert.match(markdown, /\| bench 0\.50 CPU · gateway 97 % · worker 33 % \| gateway \|/, "the budget table shows each process's share of its budget");
  assert.match(markdown, /CPU µs per message, by process \(sys: of it in the kernel\) \|/, 'the CPU column says what sys is');
  assert.match(markdown, /\| 2\.000 \| bench 30\.0 \(sys 9\.0\) · gateway 66\.5 \(sys 12\.0\) \|/, 'each process its CPU and the part of it in the kernel');
});

test('options: --quick, BENCH_N and bad input', () => {
  assert.equal(parseBenchArgs(['--quick']).n, 5_000);
  assert.equal(parseBenchArgs([], { BENCH_N: '1234' }).n, 1234);
  assert.equal(parseBenchArgs(['--n=42', '--quick'], { BENCH_N: '7' }).n, 42);
  assert.deepEqual(parseBenchArgs(['memory', 'produce']).scenarios, ['produce', 'memory']);
  assert.deepEqual(parseBenchArgs(['request-reply']).scenarios, ['request-reply']);
  assert.deepEqual(parseBenchArgs(['rss', 'fanout', 'scale']).scenarios, ['scale', 'fanout', 'rss']);
  assert.equal(parseBenchArgs([]).longRunRounds, 3);
  assert.equal(parseBenchArgs(['--rounds', '7']).longRunRounds, 7);
  assert.equal(parseBenchArgs([]).soakRequests, 1_000_000);
  assert.equal(parseBenchArgs([]).soakRounds, 1);
  assert.equal(parseBenchArgs(['--quick']).soakRequests, 20_000);
  assert.equal(parseBenchArgs(['--soak-requests', '200_000', '--rounds', '1']).soakRequests, 200_000);
  assert.equal(parseBenchArgs(['--rounds', '2']).soakRounds, 2);
  assert.throws(() => parseBenchArgs(['--soak-requests', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--soak-requests"/ });
  assert.throws(() => parseBenchArgs(['--n', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--n"/ });
  assert.throws(() => parseBenchArgs(['nope']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"scenario"/ });
  assert.throws(() => parseBenchArgs([], { BENCH_N: 'x' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"BENCH_N"/ });
  assert.deepEqual(parseBenchArgs([]).budget, { cpus: 0.3, periodMs: 10, scaleCpus: 0.2 });
  assert.equal(parseBenchArgs([]).sharedMode, true);
  assert.deepEqual(parseBenchArgs(['--budget', '0.5', '--budget-period=20', '--scale-budget', '0.25']).budget, { cpus: 0.5, periodMs: 20, scaleCpus: 0.25 });
  assert.throws(() => parseBenchArgs(['--scale-budget', '-1']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--scale-budget"/ });
  assert.throws(() => parseBenchArgs(['--scale-budget', '0.05']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget-period".*× 0\.05/ });
  assert.equal(parseBenchArgs(['--no-budget']).budget, null);
  assert.equal(parseBenchArgs(['--budget-only']).sharedMode, false);
  assert.throws(() => parseBenchArgs(['--budget', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget"/ });
  assert.throws(() => parseBenchArgs(['--budget', 'lots']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget"/ });
  assert.throws(() => parseBenchArgs(['--budget', '0.05', '--budget-period', '10']), {
    code: 'ERR_STREAMERSON_INVALID_OPTION',
    message: /"--budget-period".*at least 1 ms/,
  });
  assert.throws(() => parseBenchArgs(['--budget-only', '--no-budget']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget-only"/ });
  assert.equal(parseBenchArgs([]).settleSeconds, 60);
  assert.equal(parseBenchArgs(['--quick']).settleSeconds, 0);
  assert.equal(parseBenchArgs(['--quick', '--settle', '5']).settleSeconds, 5);
  assert.equal(parseBenchArgs(['--settle=0']).settleSeconds, 0);
  assert.throws(() => parseBenchArgs(['--settle', '-1']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--settle"/ });
  assert.throws(() => parseBenchArgs(['--settle', '1.5']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--settle".*0 or more/ });
  assert.throws(() => parseBenchArgs(['--rounds', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--rounds".*positive integer/ });
  assert.throws(() => parseBenchArgs(['--settle']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--settle"/ });
});

test('raw same-format baseline: writes exactly the fields the producer of "ours" writes before the payload', async () => {
  const engine = await connect('memory://');
  try {
    const producer = new Producer(engine, { topic: 'same-format', maxBatch: 100 });
    await producer.send(makePayload(0, 100));
    await producer.close();
    const [entry] = await engine.range('same-format', '-', '+');
    assert.deepEqual(entry!.fields.slice(0, -1).map(String), [...PROTOCOL_FIELDS_BEFORE_PAYLOAD]);
  } finally {
    await engine.close();
  }
});

test('raw same-format request/reply: our Client and Service write the entries the raw baseline hard-codes', async () => {
  const engine = await connect('memory://');
  const service = new Service(engine, { name: RR_GROUP, topic: 'same-rr', consumer: 'w1', announce: false }).handle(RR_TYPE, (p: unknown) => p);
  const client = new Client(engine, { trimIntervalMs: 60_000 });
  try {
    await service.start();
    assert.deepEqual(await client.request('same-rr', RR_TYPE, { a: 1 }), { a: 1 });
    const [request] = await engine.range(streamKey('same-rr', 0, 1), '-', '+');
    const fields = request!.fields.map(String);
    assert.deepEqual(
      fields.filter((_, i) => i % 2 === 0),
      [...PROTOCOL_REQUEST_NAMES],
    );
    assert.equal(fields[PROTOCOL_REQUEST_VERSION], '1');
    assert.equal(fields[PROTOCOL_REQUEST_TYPE], RR_TYPE);
    assert.equal(fields[PROTOCOL_REQUEST_REPLY_TO], client.replyStream);
    assert.deepEqual(Object.keys(JSON.parse(fields[PROTOCOL_REQUEST_HEADERS]!) as object), ['deadline']);
    assert.equal(fields[PROTOCOL_REQUEST_PAYLOAD], '{"a":1}');
    const [reply] = await engine.range(client.replyStream, '-', '+');
    const replyFields = reply!.fields.map(String);
    assert.deepEqual(
      replyFields.filter((_, i) => i % 2 === 0),
      [...PROTOCOL_REPLY_NAMES],
    );
    assert.equal(replyFields[PROTOCOL_REPLY_ID], fields[PROTOCOL_REQUEST_ID]);
    assert.equal(replyFields[PROTOCOL_REPLY_PAYLOAD], '{"a":1}');
  } finally {
    await client.close();
    await service.close();
    await engine.close();
  }
});

test('doc: a run replaces exactly the results section between the markers', () => {
  const doc = `# B\n\n${RESULTS_START}\nold figures\n${RESULTS_END}\n\n## After\n`;
  assert.equal(spliceResults(doc, '| new |\n'), `# B\n\n${RESULTS_START}\n\n| new |\n\n${RESULTS_END}\n\n## After\n`);
  assert.throws(() => spliceResults('# no markers', 'x'), { code: 'ERR_STREAMERSON_INVALID_OPTION' });
});
