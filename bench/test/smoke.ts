/**
 * What the bench's smoke tests share: a redis-server, the run's CPU budgets
 * where the machine allows them, a context with small sizes, and the checks
 * of a scenario's report. The scenarios are spread over a few test files
 * ({@link SMOKE_COVERAGE}), each well inside the test runner's time limit per
 * file, which run side by side.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import type { CpuBudgets } from '../src/budget/budgets.js';
import { runModes, type RunMode } from '../src/budget/modes.js';
import { rawConnection, type BenchContext } from '../src/context.js';
import { CLIENT_PROCESS, SERVER_PROCESS } from '../src/measure.js';
import { spread } from '../src/stats.js';
import { parseBenchArgs, type ScenarioName } from '../src/options.js';
import { REGISTRY } from '../src/registry.js';
import { formatChart, formatMarkdown, type BenchResult } from '../src/report.js';
import { openBudgets } from '../src/run.js';
import type { ComparisonReport } from '../src/scenario.js';

/** Messages per run of produce, consume and memory. */
export const N = 500;
/** Messages or requests per run of the slower scenarios. */
export const SMALL = 200;
/** Lines of the CLI's file. */
export const CLI_LINES = 2_000;

/** The scenarios each smoke test file runs; together, every registered scenario (a test checks it). */
export const SMOKE_COVERAGE: Readonly<Record<string, readonly ScenarioName[]>> = Object.freeze({
  'bench-smoke': ['produce', 'consume', 'cli', 'bullmq', 'request-reply', 'fanout', 'memory', 'rss'],
  'bench-processor': ['processor'],
  'bench-state': ['state'],
  'bench-http': ['http'],
  'bench-scale': ['scale'],
  'bench-soak': ['soak'],
  'bench-file': ['file'],
});

/** One smoke file's server, budgets and results. */
export interface Smoke {
  readonly ctx: BenchContext;
  readonly admin: Redis;
  readonly budgets: CpuBudgets | null;
  readonly results: Partial<Record<ScenarioName, unknown>>;
  /** The modes every budgeted comparison runs here: both where this machine can set budgets, else shared cores only. */
  modes(): RunMode[];
  /** `names` in each mode, as the budgeted scenarios name their comparisons. */
  inModes(...names: string[]): string[];
  /** Runs a scenario as the runner does (lifting the caps after it) and keeps its result. */
  run(name: ScenarioName): Promise<unknown>;
}

/** Sets up a smoke file: a server and budgets before its tests, released after them. */
export function useSmoke(): Smoke {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  let ctx: BenchContext | undefined;
  let budgets: CpuBudgets | null = null;
  const results: Partial<Record<ScenarioName, unknown>> = {};
  before(async () => {
    server = await startRedis();
    admin = rawConnection(server.url);
    // One mode: where budgets can be set, budget mode only (the shared-cores runs are the same code without the caps), which halves the runs.
    const parsed = parseBenchArgs(['--n', String(N), '--rounds', '1', '--no-write', '--budget-only']);
    budgets = await openBudgets(parsed, () => undefined);
    await budgets?.place(server.pid, 'redis-server');
    ctx = {
      url: server.url,
      admin,
      budgets,
      options: {
        ...parsed,
        memoryEntries: N,
        stateRecoveryKeys: SMALL,
        cliLines: CLI_LINES,
        memoryPayloadSizes: [50, 500],
        bullmqJobs: SMALL,
        rrRequests: SMALL,
        rrSerialRequests: 50,
        httpRequests: SMALL,
        httpMinSeconds: 0,
        // Fewer connections than a real run: each run of a few hundred requests would spend most of its time connecting.
        httpConnections: 20,
        scaleWorkers: [1, 2],
        scaleGateways: [1, 2],
        scaleGatewayWorkers: 1,
        scaleRedisWorkers: 1,
        scaleWorkIterations: 100,
        scaleWorkConcurrency: 2,
        scaleRequests: SMALL,
        scaleWorkRequests: SMALL,
        scaleSeconds: 0,
        fanoutSubscribers: 50,
        fanoutMessages: 20,
        fanoutRate: 200,
        rssIdleMs: 200,
        rssSampleMs: 50,
        slowConsumerMs: 1_500,
        slowSampleMs: 250,
        soakRequests: 800,
        soakRounds: 1,
      },
    };
  });
  after(async () => {
    await admin?.quit();
    await server?.stop();
    await budgets?.close();
  });
  const smoke: Smoke = {
    get ctx() {
      return ctx!;
    },
    get admin() {
      return admin!;
    },
    get budgets() {
      return budgets;
    },
    results,
    modes: () => runModes(ctx!),
    inModes: (...names) => names.flatMap((name) => runModes(ctx!).map((mode) => (mode === 'budget' ? `${name}, CPU budgets` : name))),
    run: async (name) => {
      const result = await REGISTRY[name].run(ctx!);
      // A scenario that ended in budget mode leaves the caps on.
      await budgets?.enforce(false);
      results[name] = result;
      return result;
    },
  };
  return smoke;
}

/** Each report says its mode, and in budget mode the budget it ran under and how much of it each process used. */
export function assertModes(smoke: Smoke, reports: readonly ComparisonReport[]): void {
  for (const report of reports) {
    assert.equal(report.mode, report.name.endsWith(', CPU budgets') ? 'budget' : 'shared', report.name);
    if (report.mode !== 'budget') continue;
    assert.equal(report.budgetCpus, smoke.ctx.options.budget!.cpus);
    for (const side of Object.values(report.comparison.sides)) {
      for (const used of Object.values(side.cpusUsed)) assert.ok(used >= 0 && Number.isFinite(used));
    }
  }
}

/** Every side of `report` handled exactly `n` in its one run, with the CPU of this process, redis-server and its `children`. */
export function assertReport(
  report: ComparisonReport,
  n: number,
  sides: readonly string[],
  children: (side: string) => readonly string[] = () => [],
  rounds = 1,
): void {
  const c = report.comparison;
  assert.equal(c.n, n);
  assert.equal(c.rounds, rounds);
  assert.deepEqual(Object.keys(c.sides), sides);
  for (const [name, side] of Object.entries(c.sides)) {
    assert.equal(side.runs.length, rounds);
    for (const run of side.runs) {
      assert.equal(run.processed, n);
      assert.equal(run.verified, n);
      assert.ok(run.msgsPerSec > 0 && Number.isFinite(run.msgsPerSec));
      assert.deepEqual(Object.keys(run.cpuMs), [CLIENT_PROCESS, SERVER_PROCESS, ...children(name)]);
      assert.deepEqual(Object.keys(run.systemCpuMs), Object.keys(run.cpuMs));
      for (const [process, ms] of Object.entries(run.cpuMs)) {
        const system = run.systemCpuMs[process]!;
        assert.ok(system >= 0 && system <= ms, `${name} ${process}: system ${system} ms of ${ms} ms`);
      }
    }
    assert.deepEqual(Object.keys(side.systemUsPerMsg), Object.keys(side.cpuUsPerMsg));
    assert.equal(side.msgsPerSec.median, spread(side.runs.map((run) => run.msgsPerSec)).median);
  }
  assert.equal(report.verdicts.length > 0, 'ours' in c.sides, 'a comparison with our side has a verdict');
  for (const v of report.verdicts) assert.ok(Number.isFinite(v.value), `${report.name}: ${v.metric} is a number`);
}

/** What a file's report must show: summary rows (of scenarios without modes, of each mode run, of budget mode only), sections, chart titles. */
export interface ExpectedReport {
  readonly rows: readonly string[];
  /** Named as in shared mode; expected in each mode the file ran. */
  readonly modeRows: readonly string[];
  readonly budgetRows: readonly string[];
  readonly sections: readonly string[];
  readonly chart: readonly RegExp[];
}

/** The file ran the scenarios it covers, and their results make the Markdown and the chart `expected` says. */
export function assertRendered(smoke: Smoke, file: string, expected: ExpectedReport): void {
  assert.deepEqual(Object.keys(smoke.results).sort(), [...SMOKE_COVERAGE[file]!].sort(), `the tests of ${file} ran the scenarios it covers`);
  const budget = smoke.budgets?.info ?? null;
  const machine = { cpuModel: 'cpu', cores: 1, memoryGiB: 1, os: 'os', node: 'v', redisServer: 'r' };
  const result: BenchResult = { date: '2026-01-01T00:00:00.000Z', machine, options: smoke.ctx.options, budget, results: smoke.results };
  const markdown = formatMarkdown(result);
  const rowNames = [...expected.rows, ...smoke.inModes(...expected.modeRows), ...(budget === null ? [] : expected.budgetRows)];
  for (const row of rowNames) assert.match(markdown, new RegExp(`^\\| ${row.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\|`, 'm'), `summary row ${row}`);
  if (budget !== null) assert.match(markdown, /^CPU budgets: 0\.3 CPU per server process/m);
  if (budget !== null && expected.modeRows.length + expected.budgetRows.length > 0) {
    assert.match(markdown, /\| share of its budget used, by process \| binds \|/, "budget-mode tables show each process's use of its budget");
  } else assert.match(markdown, /^CPU budgets: none/m);
  for (const section of expected.sections) assert.ok(markdown.includes(section), section);
  const svg = formatChart(result);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const title of expected.chart) assert.match(svg, title);
  assert.match(svg, /<\/svg>\n$/);
  assert.doesNotMatch(svg, /NaN|undefined/);
}
