import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { connect, Producer, streamKey } from '@streamerson/core';
import { Client, Service } from '@streamerson/service';
import { rawConnection, type BenchContext } from '../src/context.js';
import type { CpuBudgets } from '../src/budget/budgets.js';
import { runModes } from '../src/budget/modes.js';
import { openBudgets } from '../src/run.js';
import { RESULTS_END, RESULTS_START, spliceResults } from '../src/doc.js';
import { CLIENT_PROCESS, SERVER_PROCESS } from '../src/measure.js';
import { parseBenchArgs, SCENARIOS, type ScenarioName } from '../src/options.js';
import { makePayload } from '../src/payload.js';
import { PROTOCOL_FIELDS_BEFORE_PAYLOAD } from '../src/raw.js';
import { REGISTRY } from '../src/registry.js';
import { formatChart, formatMarkdown, type BenchResult } from '../src/report.js';
import type { ComparisonReport } from '../src/scenario.js';
import type { FanoutResult } from '../src/scenarios/fanout.js';
import type { MemoryResult } from '../src/scenarios/memory.js';
import type { RssResult } from '../src/scenarios/rss.js';
import type { ScaleResult } from '../src/scenarios/scale.js';
import { HTTP_TARGETS, requestsPerRun } from '../src/scenarios/http.js';
import { HELLO_CALL } from '../src/http-calls.js';
import { stopAll, type ChildHandle } from '../src/child.js';
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

const N = 500;
const SMALL = 200;
const CLI_LINES = 2_000;
let server: RedisServer;
let admin: Redis;
let ctx: BenchContext;
let budgets: CpuBudgets | null;
const notices: string[] = [];
const results: Partial<Record<ScenarioName, unknown>> = {};

before(async () => {
  server = await startRedis();
  admin = rawConnection(server.url);
  const parsed = parseBenchArgs(['--n', String(N), '--rounds', '1', '--no-write']);
  budgets = await openBudgets(parsed, (line) => notices.push(line));
  await budgets?.place(server.pid, 'redis-server');
  ctx = {
    url: server.url,
    admin,
    budgets,
    options: {
      ...parsed,
      memoryEntries: N,
      cliLines: CLI_LINES,
      memoryPayloadSizes: [50, 500],
      bullmqJobs: SMALL,
      rrRequests: SMALL,
      rrSerialRequests: 50,
      httpRequests: SMALL,
      httpMinSeconds: 0,
      scaleWorkers: [1, 2],
      scaleGateways: [1, 2],
      scaleWorkIterations: 100,
      scaleRequests: SMALL,
      scaleSeconds: 0,
      fanoutSubscribers: 50,
      fanoutMessages: 20,
      fanoutRate: 200,
      rssIdleMs: 200,
      rssSampleMs: 50,
      slowConsumerMs: 1_500,
      slowSampleMs: 250,
    },
  };
});

after(async () => {
  await admin?.quit();
  await server?.stop();
  await budgets?.close();
});

/** The modes every budgeted comparison runs here: both where this machine can set budgets, else shared cores only. */
function modes(): string[] {
  return runModes(ctx);
}

/** `name` in each mode, as the budgeted scenarios name their comparisons. */
function inModes(...names: string[]): string[] {
  return names.flatMap((name) => modes().map((mode) => (mode === 'budget' ? `${name}, CPU budgets` : name)));
}

async function runScenario(name: ScenarioName): Promise<unknown> {
  const result = await REGISTRY[name].run(ctx);
  // As the runner does: a scenario that ended in budget mode leaves the caps on.
  await budgets?.enforce(false);
  results[name] = result;
  return result;
}

async function runComparisons(name: ScenarioName): Promise<readonly ComparisonReport[]> {
  return (await runScenario(name)) as readonly ComparisonReport[];
}

/** Each report says its mode, and in budget mode the budget it ran under and how much of it each process used. */
function assertModes(reports: readonly ComparisonReport[]): void {
  for (const report of reports) {
    assert.equal(report.mode, report.name.endsWith(', CPU budgets') ? 'budget' : 'shared', report.name);
    if (report.mode !== 'budget') continue;
    assert.equal(report.budgetCpus, ctx.options.budget!.cpus);
    for (const side of Object.values(report.comparison.sides)) {
      for (const used of Object.values(side.cpusUsed)) assert.ok(used >= 0 && Number.isFinite(used));
    }
  }
}

function assertReport(report: ComparisonReport, n: number, sides: readonly string[], children: (side: string) => readonly string[] = () => []): void {
  const c = report.comparison;
  assert.equal(c.n, n);
  assert.deepEqual(Object.keys(c.sides), sides);
  for (const [name, side] of Object.entries(c.sides)) {
    assert.equal(side.runs.length, 1);
    for (const run of side.runs) {
      assert.equal(run.processed, n);
      assert.equal(run.verified, n);
      assert.ok(run.msgsPerSec > 0 && Number.isFinite(run.msgsPerSec));
      assert.deepEqual(Object.keys(run.cpuMs), [CLIENT_PROCESS, SERVER_PROCESS, ...children(name)]);
      for (const ms of Object.values(run.cpuMs)) assert.ok(ms >= 0);
    }
    assert.equal(side.msgsPerSec.median, side.runs[0]?.msgsPerSec);
  }
  assert.equal(report.verdicts.length > 0, 'ours' in c.sides, 'a comparison with our side has a verdict');
  for (const v of report.verdicts) assert.ok(Number.isFinite(v.value), `${report.name}: ${v.metric} is a number`);
}

test('produce: every side stores exactly N entries', async () => {
  const [report] = await runComparisons('produce');
  assertReport(report!, N, ['ours', 'raw', 'rawSameFormat']);
  assert.equal(await admin.dbsize(), 0, 'every run cleans up its stream');
});

test('consume: every side reads and acks exactly N messages', async () => {
  const [report] = await runComparisons('consume');
  assertReport(report!, N, ['ours', 'raw', 'rawSameFormat']);
  assert.equal(await admin.dbsize(), 0, 'the pre-filled streams are deleted');
});

test('cli: the binary produces every line of the file, raw XADD writes the same lines, tap reads them all back', async () => {
  const [report] = await runComparisons('cli');
  assertReport(report!, CLI_LINES, ['ours', 'raw', 'tap'], (side) => (side === 'raw' ? [] : ['cli']));
  for (const side of ['ours', 'tap']) assert.ok(report!.comparison.sides[side]!.runs[0]!.cpuMs['cli']! > 0, `${side}: the child reported its CPU`);
  assert.deepEqual(report!.verdicts.map((v) => `${v.side} vs ${v.baseline}`), ['ours vs raw', 'tap vs ours']);
  assert.equal(await admin.dbsize(), 0, 'every run deletes its stream');
});

test('bullmq: our consumer and a BullMQ worker each process the same jobs', async () => {
  const [report] = await runComparisons('bullmq');
  assertReport(report!, SMALL, ['ours', 'bullmq']);
  assert.equal(await admin.dbsize(), 0, 'the stream and the queues are deleted');
});

test('request-reply: every side answers every request at each concurrency, with latency and worker CPU', async () => {
  const reports = await runComparisons('request-reply');
  assert.deepEqual(reports.map((r) => r.name), inModes('request/reply c=1', 'request/reply c=100'));
  for (const report of reports) {
    assertReport(report, report.name.startsWith('request/reply c=1,') || report.name === 'request/reply c=1' ? 50 : SMALL, ['ours', 'raw', 'rawSameFormat'], () => ['worker']);
    assert.equal(report.verdicts[0]?.metric, report.name.includes('c=100') ? 'ratio' : 'p50DeltaMs');
  }
  for (const side of reports.flatMap((r) => Object.values(r.comparison.sides))) {
    assert.ok(side.latencyMs !== undefined && side.latencyMs.p50.median > 0 && side.latencyMs.p99.median >= side.latencyMs.p50.median);
  }
  assertModes(reports);
});

test('http: every HTTP target answers every GET /hello and POST /echo with the expected body, with each process\'s CPU', async () => {
  const reports = await runComparisons('http');
  assert.deepEqual(reports.map((r) => r.name), inModes('HTTP GET /hello', 'HTTP POST /echo'));
  const roles: Record<string, readonly string[]> = {
    ours: ['gateway', 'worker'],
    fastify: ['fastify'],
    chain: ['front', 'back'],
    moleculer: ['moleculer-web', 'moleculer service'],
    streams: ['gateway', 'worker'],
  };
  for (const report of reports) {
    assertReport(report, SMALL, Object.keys(roles), (side) => roles[side]!);
    for (const side of Object.values(report.comparison.sides)) assert.ok(side.latencyMs !== undefined && side.latencyMs.p99.median > 0);
    assert.deepEqual(report.verdicts.map((v) => `${v.metric} ${v.baseline}`), ['ratio chain', 'ratio moleculer', 'ratio streams', 'p99Ratio chain']);
  }
  assertModes(reports);
});

test('http: runs are raised from a calibration run so that our gateway carries the load at least httpMinSeconds', async () => {
  const children: ChildHandle[] = [];
  try {
    const target = await HTTP_TARGETS['ours']!.start(ctx, (c) => children.push(c));
    const minSeconds = 0.5;
    const sized = { ...ctx, options: { ...ctx.options, httpMinSeconds: minSeconds, rounds: 2 } };
    const { n, rate } = await requestsPerRun(sized, target, HELLO_CALL, ctx.options.httpConnections);
    assert.ok(rate > 0, 'the calibration run measured a rate');
    assert.ok(n >= SMALL, 'never fewer than httpRequests');
    assert.ok((n * 2) / rate >= minSeconds, `2 runs of ${n} at ${Math.round(rate)} req/s last at least ${minSeconds} s`);
    const unsized = await requestsPerRun({ ...sized, options: { ...sized.options, httpMinSeconds: 0 } }, target, HELLO_CALL, ctx.options.httpConnections);
    assert.deepEqual(unsized, { n: SMALL, rate: 0 }, 'without a least time, httpRequests as given and no calibration run');
  } finally {
    await stopAll(children);
  }
});

test('scale: every configuration of every curve answers every request, with the CPU of each of its processes, in each mode', async () => {
  const result = (await runScenario('scale')) as ScaleResult;
  assert.deepEqual(result.curves.map((c) => c.name), ['workers', 'gateways', 'redis']);
  const expected: Record<string, string[]> = {
    workers: ['g1-w1', 'g1-w2'],
    gateways: ['g1-w2', 'g2-w2'],
    redis: ['g0-w2', 'g0-w2-cluster'],
  };
  for (const curve of result.curves) {
    assert.deepEqual(curve.runs.map((r) => r.mode), modes(), curve.name);
    for (const run of curve.runs) {
      const c = run.comparison;
      assert.deepEqual(Object.keys(c.sides), expected[curve.name], curve.name);
      for (const [key, side] of Object.entries(c.sides)) {
        const config = curve.configs[key]!;
        const gateways = config.gateways === 1 ? ['gateway'] : Array.from({ length: config.gateways }, (_, i) => `gateway ${i + 1}`);
        const workers = Array.from({ length: config.workers }, (_, i) => `worker ${i + 1}`);
        const masters = config.cluster ? ['master 1', 'master 2', 'master 3'] : [];
        assert.equal(side.runs.length, 1);
        for (const sample of side.runs) {
          assert.equal(sample.processed, SMALL);
          assert.equal(sample.verified, SMALL, `${curve.name} ${key}: the workers together handled every request`);
          assert.deepEqual(Object.keys(sample.cpuMs), [CLIENT_PROCESS, SERVER_PROCESS, ...(config.gateways === 0 ? [...masters, ...workers] : [...gateways, ...workers])]);
          for (const name of [...gateways.slice(0, config.gateways), ...workers, ...masters]) assert.ok(sample.cpuMs[name]! > 0, `${curve.name} ${key}: ${name} worked`);
        }
        assert.ok(side.latencyMs !== undefined && side.latencyMs.p99.median >= side.latencyMs.p50.median);
      }
    }
  }
  const verdicts = REGISTRY.scale.verdicts(result).map((v) => `${v.name}: ${v.verdict.side} vs ${v.verdict.baseline}`);
  assert.deepEqual(
    verdicts,
    modes().includes('budget')
      ? ['scale: workers, CPU budgets: 1 gateway, 2 workers, redis-server vs 1 gateway, 1 worker, redis-server', 'scale: gateways, CPU budgets: 2 gateways, 2 workers, redis-server vs 1 gateway, 2 workers, redis-server']
      : [],
  );
});

test('fanout: every subscriber gets every message, in order, from the gateway and from the bare relay', async () => {
  const result = (await REGISTRY.fanout.run(ctx)) as FanoutResult;
  results.fanout = result;
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
  const result = (await REGISTRY.rss.run(ctx)) as RssResult;
  results.rss = result;
  assert.deepEqual(Object.keys(result.processes), ['gateway', 'worker']);
  for (const p of Object.values(result.processes)) {
    assert.ok(p.idleMB > 10 && p.loadPeakMB.median > 10 && p.afterMB > 10, JSON.stringify(p));
  }
  assert.deepEqual(result.slow.map((s) => s.kind), ['consumer', 'service']);
  for (const slow of result.slow) {
    assert.ok(slow.samplesMB.length >= 3, `samples ${slow.samplesMB.join(', ')}`);
    assert.ok(slow.processed > 0 && slow.produced > slow.processed, `${slow.kind}: ${slow.processed} of ${slow.produced}`);
    assert.equal(slow.verdict.metric, 'rssGrowthMB');
    assert.equal(slow.verdict.value, slow.maxMB - slow.startMB);
  }
});

test('memory: bytes per entry of both sides at each payload size', async () => {
  const result = (await REGISTRY.memory.run(ctx)) as MemoryResult;
  results.memory = result;
  assert.deepEqual(result.rows.map((r) => r.payloadBytes), [50, 500]);
  for (const row of result.rows) {
    assert.equal(row.ours.entries, N);
    assert.equal(row.raw.entries, N);
    assert.ok(row.raw.bytesPerEntry > row.payloadBytes * 0.8, 'an entry holds at least its payload');
    assert.ok(row.ours.bytesPerEntry > row.payloadBytes * 0.8);
    assert.equal(row.ratio, row.ours.bytesPerEntry / row.raw.bytesPerEntry);
  }
});

test('report: every scenario appears in the Markdown and the chart', () => {
  assert.deepEqual(Object.keys(results).sort(), [...SCENARIOS].sort(), 'the tests above cover every registered scenario');
  const budget = budgets?.info ?? null;
  const result: BenchResult = { date: '2026-01-01T00:00:00.000Z', machine: { cpuModel: 'cpu', cores: 1, memoryGiB: 1, os: 'os', node: 'v', redisServer: 'r' }, options: ctx.options, budget, results };
  const markdown = formatMarkdown(result);
  for (const row of ['produce', 'consume', 'CLI produce/tap', 'consume vs BullMQ', 'request/reply c=1', 'request/reply c=100', 'HTTP GET /hello', 'HTTP POST /echo', 'memory 500 B', 'slow consumer RSS at 10× overload', 'slow service RSS at 10× overload']) {
    assert.match(markdown, new RegExp(`^\\| ${row} \\|`, 'm'), `summary row ${row}`);
  }
  assert.match(markdown, /\| 500 B \|/);
  if (budget !== null) {
    assert.match(markdown, /^CPU budgets: 0\.3 CPU per server process/m);
    for (const row of ['request/reply c=100, CPU budgets', 'HTTP GET /hello, CPU budgets', 'HTTP POST /echo, CPU budgets', 'scale: workers, CPU budgets']) {
      assert.match(markdown, new RegExp(`^\\| ${row} \\|`, 'm'), `summary row ${row}`);
    }
    assert.match(markdown, /\| share of its budget used, by process \| binds \|/);
  }
  for (const section of ['**scale: workers**', '**scale: gateways**', '**scale: Redis**', '**fan-out**', '**rss (gateway path)**', '**rss (slow consumer)**']) assert.ok(markdown.includes(section), section);
  const svg = formatChart(result);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /request\/reply c=100/);
  assert.match(svg, /HTTP GET \/hello/);
  assert.match(svg, /HTTP POST \/echo/);
  assert.match(svg, /CLI produce\/tap/);
  assert.match(svg, /scale: workers/);
  assert.match(svg, /scale: Redis/);
  assert.match(svg, /fan-out to 50 WebSocket subscribers/);
  assert.match(svg, /rss: resident memory/);
  assert.match(svg, /<\/svg>\n$/);
  assert.doesNotMatch(svg, /NaN|undefined/);
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
  assert.throws(() => parseBenchArgs(['--n', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--n"/ });
  assert.throws(() => parseBenchArgs(['nope']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"scenario"/ });
  assert.throws(() => parseBenchArgs([], { BENCH_N: 'x' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"BENCH_N"/ });
  assert.deepEqual(parseBenchArgs([]).budget, { cpus: 0.3, periodMs: 10 });
  assert.equal(parseBenchArgs([]).sharedMode, true);
  assert.deepEqual(parseBenchArgs(['--budget', '0.5', '--budget-period=20']).budget, { cpus: 0.5, periodMs: 20 });
  assert.equal(parseBenchArgs(['--no-budget']).budget, null);
  assert.equal(parseBenchArgs(['--budget-only']).sharedMode, false);
  assert.throws(() => parseBenchArgs(['--budget', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget"/ });
  assert.throws(() => parseBenchArgs(['--budget', 'lots']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget"/ });
  assert.throws(() => parseBenchArgs(['--budget', '0.05', '--budget-period', '10']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget-period".*at least 1 ms/ });
  assert.throws(() => parseBenchArgs(['--budget-only', '--no-budget']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--budget-only"/ });
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
    assert.deepEqual(fields.filter((_, i) => i % 2 === 0), [...PROTOCOL_REQUEST_NAMES]);
    assert.equal(fields[PROTOCOL_REQUEST_VERSION], '1');
    assert.equal(fields[PROTOCOL_REQUEST_TYPE], RR_TYPE);
    assert.equal(fields[PROTOCOL_REQUEST_REPLY_TO], client.replyStream);
    assert.deepEqual(Object.keys(JSON.parse(fields[PROTOCOL_REQUEST_HEADERS]!) as object), ['deadline']);
    assert.equal(fields[PROTOCOL_REQUEST_PAYLOAD], '{"a":1}');
    const [reply] = await engine.range(client.replyStream, '-', '+');
    const replyFields = reply!.fields.map(String);
    assert.deepEqual(replyFields.filter((_, i) => i % 2 === 0), [...PROTOCOL_REPLY_NAMES]);
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
