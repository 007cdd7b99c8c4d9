/**
 * Benchmark options: defaults, the `--quick` preset, and the one parser that
 * reads them from the command line and `BENCH_N`.
 */
import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '@streamerson/core';
import { DEFAULT_BUDGET_CPUS, DEFAULT_BUDGET_PERIOD_MS, DEFAULT_SCALE_BUDGET_CPUS } from './budget/budgets.js';

/** The scenarios, in the order a full run executes them. */
export const SCENARIOS = Object.freeze([
  'produce',
  'consume',
  'processor',
  'state',
  'cli',
  'bullmq',
  'request-reply',
  'http',
  'file',
  'scale',
  'fanout',
  'memory',
  'rss',
  'soak',
] as const);
/** One benchmark scenario. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** The scenarios that run in both modes, shared cores and CPU budgets (`--budget`), when the machine allows budgets. */
export const BUDGET_SCENARIOS: readonly ScenarioName[] = Object.freeze(['request-reply', 'http', 'scale']);
/** Largest `--budget-period`, ms (the kernel's limit is 1 s). */
const MAX_BUDGET_PERIOD_MS = 1_000;

/** Messages per measured run of `produce` and `consume`. */
export const DEFAULT_N = 200_000;
/** Measured runs per side; the sides alternate (ours, raw, ours, raw, …). Five, not three: single runs on a shared 2-core machine move by tens of percent. */
export const DEFAULT_ROUNDS = 5;
/** Entries per stream in the `memory` scenario. */
export const DEFAULT_MEMORY_ENTRIES = 10_000;
/** Keys of the shard whose recovery `state` times (the target is stated for 1,000,000). */
export const DEFAULT_STATE_RECOVERY_KEYS = 1_000_000;
/** Payload sizes (bytes of JSON) the `memory` scenario compares. */
export const DEFAULT_MEMORY_PAYLOAD_SIZES = Object.freeze([50, 100, 500]);
/** Payload size (bytes of JSON) of `produce` and `consume`. */
export const DEFAULT_PAYLOAD_BYTES = 100;
/** Messages per XADD pipeline / appendBatch and per XREADGROUP `COUNT`. */
export const DEFAULT_BATCH_SIZE = 100;
/** Batches a producer keeps in flight on its connection at once. */
export const DEFAULT_IN_FLIGHT_BATCHES = 8;
/** Messages of the untimed warm-up run per side, as a fraction of `n`. */
export const DEFAULT_WARMUP_FRACTION = 0.1;
/** Lines of the NDJSON file of `cli`: the size the CLI's performance target names. */
export const DEFAULT_CLI_LINES = 1_000_000;
/** Messages per measured run of `bullmq`, for both sides (BullMQ is slow enough that 200,000 would take minutes). */
export const DEFAULT_BULLMQ_JOBS = 20_000;
/** Concurrency levels of `request-reply`. */
export const DEFAULT_RR_CONCURRENCY = Object.freeze([1, 100]);
/** Requests per measured run of `request-reply` at concurrency above 1. */
export const DEFAULT_RR_REQUESTS = 60_000;
/** Requests per measured run of `request-reply` at concurrency 1. */
export const DEFAULT_RR_SERIAL_REQUESTS = 10_000;
/** Requests a request/reply worker reads and runs at once (ours: `concurrency`; raw: XREADGROUP `COUNT`). */
export const DEFAULT_RR_WORKER_CONCURRENCY = 100;
/** Requests per measured run of `http`, for every target. */
export const DEFAULT_HTTP_REQUESTS = 30_000;
/**
 * Least time, in seconds, our gateway is under load per HTTP call over its
 * measured runs: `http` raises its requests per run to reach it (at the rate
 * of a calibration run), so that every side carries the load at least about
 * this long.
 */
export const DEFAULT_HTTP_MIN_SECONDS = 10;
/** Connections the HTTP load generator keeps open. */
export const DEFAULT_HTTP_CONNECTIONS = 100;
/** Worker processes of the gateway path that `scale` measures. */
export const DEFAULT_SCALE_WORKERS = Object.freeze([1, 2, 4]);
/** Gateway processes of the gateway path that `scale`'s gateway curve measures. */
export const DEFAULT_SCALE_GATEWAYS = Object.freeze([1, 2]);
/** Echo workers behind the gateways of `scale`'s gateway curve: enough that they do not bind. */
export const DEFAULT_SCALE_GATEWAY_WORKERS = 2;
/** Workers of `scale`'s Redis curve. */
export const DEFAULT_SCALE_REDIS_WORKERS = 2;
/**
 * PBKDF2-SHA256 iterations of the handler's CPU work in `scale`'s worker
 * curve: about 4 ms of CPU per request on a 2020s server core, so that a
 * worker's CPU per request (the work and its own path) stays well above 4 ×
 * the gateway's at every worker count, which is what "while workers are the
 * bottleneck" takes. At the curve's low rates every request wakes the gateway
 * several times, and its CPU per request is 0.6–1 ms (about 110 µs at 1,800
 * requests per second); at 2,400 iterations (about 500 µs) its budget bound
 * with 4 workers, on the hand-written reference path too (docs/BENCHMARKS.md,
 * scale). The fixed cost of a request in a worker (its wake-ups, reads and
 * writes, which grow with the number of processes sharing the cores) is then
 * a small part of the worker's CPU.
 */
export const DEFAULT_SCALE_WORK_ITERATIONS = 19_200;
/**
 * Requests a worker of `scale`'s worker curve reads and runs at once (ours:
 * `concurrency`; hand-written: XREADGROUP `COUNT`): a handler that is CPU
 * work gains nothing from running many at once, and a worker that reads up to
 * 100 takes the whole backlog while the group's other members wait idle. A
 * few keep each worker busy while its next read is on the way.
 */
export const DEFAULT_SCALE_WORK_CONCURRENCY = 4;
/** Least requests per measured run of `scale`'s worker curve, whose requests each take milliseconds of a worker's CPU. */
export const DEFAULT_SCALE_WORK_REQUESTS = 600;
/** Least requests per measured run of `scale`'s gateway and Redis curves. */
export const DEFAULT_SCALE_REQUESTS = 5_000;
/** Least seconds a run of the slowest configuration of a `scale` curve lasts (the count is raised from a calibration run); the others, faster, take less. */
export const DEFAULT_SCALE_SECONDS = 2;
/** Measured runs per side of `cli`, `scale`, `fanout` and the load of `rss`, whose runs take seconds each (three keeps a full run near six minutes). */
export const DEFAULT_LONG_RUN_ROUNDS = 3;
/** WebSocket subscribers of `fanout`. */
export const DEFAULT_FANOUT_SUBSCRIBERS = 1_000;
/** Messages published per measured run of `fanout`. */
export const DEFAULT_FANOUT_MESSAGES = 200;
/** Publish rate of `fanout`, messages per second: low enough to measure delivery, not saturation. */
export const DEFAULT_FANOUT_RATE = 50;
/**
 * Seconds the bench sits idle before each scenario after the first. On the
 * machine the published runs come from, in-process scenarios right after
 * `http` ran up to 2 × slower for a minute or two in a fresh process too,
 * JavaScript more than SQLite's C (docs/BENCHMARKS.md, "Where the time
 * goes"): a scenario must not inherit the one before's load.
 */
export const DEFAULT_SETTLE_SECONDS = 60;
/** How long `rss` lets the gateway and worker sit idle before sampling them. */
export const DEFAULT_RSS_IDLE_MS = 2_000;
/** How often `rss` samples a process's RSS under load. */
export const DEFAULT_RSS_SAMPLE_MS = 250;
/** How long the slow consumer of `rss` is overloaded. */
export const DEFAULT_SLOW_CONSUMER_MS = 10_000;
/** Time the slow consumer's handler takes per message (a timer: I/O-bound work, not CPU). */
export const DEFAULT_SLOW_HANDLER_MS = 1;
/** The producer appends this many times faster than the slow handler's nominal rate (1,000 / handler ms per second). */
export const DEFAULT_SLOW_OVERLOAD = 10;
/** How often the slow consumer's RSS is sampled. */
export const DEFAULT_SLOW_SAMPLE_MS = 1_000;
/** Requests per run of `soak`, each side. */
export const DEFAULT_SOAK_REQUESTS = 1_000_000;
/** Rounds of `soak`, each a run with topic trimming on and one with it off, side by side: one, as its runs alternate chunk by chunk. */
export const DEFAULT_SOAK_ROUNDS = 1;
/** `--quick`: a smoke run of a few seconds. */
export const QUICK_PRESET = Object.freeze({
  n: 5_000,
  rounds: 3,
  cliLines: 20_000,
  memoryEntries: 2_000,
  stateRecoveryKeys: 20_000,
  bullmqJobs: 2_000,
  rrRequests: 5_000,
  rrSerialRequests: 1_000,
  httpRequests: 2_000,
  httpMinSeconds: 0,
  scaleRequests: 2_000,
  scaleWorkRequests: 400,
  scaleSeconds: 0,
  fanoutMessages: 50,
  slowConsumerMs: 3_000,
  soakRequests: 20_000,
  settleSeconds: 0,
});
/** Where the machine-readable results go, relative to the working directory; the chart goes next to it as `.svg`. */
export const DEFAULT_OUTPUT_PATH = 'docs/benchmarks/latest.json';
/** The document whose results section a written run replaces. */
export const DEFAULT_DOC_PATH = 'docs/BENCHMARKS.md';

/** Parsed, frozen options of one benchmark run. */
export interface BenchOptions {
  /** Scenarios to run; default all of {@link SCENARIOS}. */
  readonly scenarios: readonly ScenarioName[];
  /** Messages per measured run; default {@link DEFAULT_N}. */
  readonly n: number;
  /** Measured runs per side; default {@link DEFAULT_ROUNDS}. */
  readonly rounds: number;
  /** Messages of the warm-up run per side; default `n` × {@link DEFAULT_WARMUP_FRACTION}. */
  readonly warmupN: number;
  /** Payload size of produce/consume; default {@link DEFAULT_PAYLOAD_BYTES}. */
  readonly payloadBytes: number;
  /** Batch size of writes and reads; default {@link DEFAULT_BATCH_SIZE}. */
  readonly batchSize: number;
  /** Write batches in flight; default {@link DEFAULT_IN_FLIGHT_BATCHES}. */
  readonly inFlightBatches: number;
  /** Entries per stream of `memory`; default {@link DEFAULT_MEMORY_ENTRIES}. */
  readonly memoryEntries: number;
  /** Keys of the shard `state` recovers; default {@link DEFAULT_STATE_RECOVERY_KEYS}. */
  readonly stateRecoveryKeys: number;
  /** Payload sizes of `memory`; default {@link DEFAULT_MEMORY_PAYLOAD_SIZES}. */
  readonly memoryPayloadSizes: readonly number[];
  /** Lines of the file `cli` produces from and taps back; default {@link DEFAULT_CLI_LINES}. */
  readonly cliLines: number;
  /** Messages per run of `bullmq`; default {@link DEFAULT_BULLMQ_JOBS}. */
  readonly bullmqJobs: number;
  /** Concurrency levels of `request-reply`; default {@link DEFAULT_RR_CONCURRENCY}. */
  readonly rrConcurrency: readonly number[];
  /** Requests per run of `request-reply` above concurrency 1; default {@link DEFAULT_RR_REQUESTS}. */
  readonly rrRequests: number;
  /** Requests per run of `request-reply` at concurrency 1; default {@link DEFAULT_RR_SERIAL_REQUESTS}. */
  readonly rrSerialRequests: number;
  /** Requests a request/reply worker runs at once; default {@link DEFAULT_RR_WORKER_CONCURRENCY}. */
  readonly rrWorkerConcurrency: number;
  /** Requests per run of `http` (at least); default {@link DEFAULT_HTTP_REQUESTS}. */
  readonly httpRequests: number;
  /** Least seconds our gateway is under load per call of `http`; default {@link DEFAULT_HTTP_MIN_SECONDS}, 0 with `--quick`. */
  readonly httpMinSeconds: number;
  /** Connections of the HTTP load; default {@link DEFAULT_HTTP_CONNECTIONS}. */
  readonly httpConnections: number;
  /** Worker process counts of `scale`; default {@link DEFAULT_SCALE_WORKERS}. */
  readonly scaleWorkers: readonly number[];
  /** Gateway process counts of `scale`'s gateway curve; default {@link DEFAULT_SCALE_GATEWAYS}. */
  readonly scaleGateways: readonly number[];
  /** Workers of `scale`'s gateway curve; default {@link DEFAULT_SCALE_GATEWAY_WORKERS}. */
  readonly scaleGatewayWorkers: number;
  /** Workers of `scale`'s Redis curve; default {@link DEFAULT_SCALE_REDIS_WORKERS}. */
  readonly scaleRedisWorkers: number;
  /** PBKDF2 iterations of the handler's CPU work in `scale`'s worker curve; default {@link DEFAULT_SCALE_WORK_ITERATIONS}. */
  readonly scaleWorkIterations: number;
  /** Least seconds per run of the slowest configuration of each `scale` curve; default {@link DEFAULT_SCALE_SECONDS}, 0 with `--quick`. */
  readonly scaleSeconds: number;
  /** Requests per run of `scale`'s gateway and Redis curves; default {@link DEFAULT_SCALE_REQUESTS}. */
  readonly scaleRequests: number;
  /** Requests per run of `scale`'s worker curve; default {@link DEFAULT_SCALE_WORK_REQUESTS}. */
  readonly scaleWorkRequests: number;
  /** Requests a worker of `scale`'s worker curve runs at once; default {@link DEFAULT_SCALE_WORK_CONCURRENCY}. */
  readonly scaleWorkConcurrency: number;
  /** Measured runs per side of `cli`, `scale`, `fanout` and `rss`; default `--rounds` if given, else {@link DEFAULT_LONG_RUN_ROUNDS}. */
  readonly longRunRounds: number;
  /** Requests per run of `soak`; default {@link DEFAULT_SOAK_REQUESTS}. */
  readonly soakRequests: number;
  /** Rounds of `soak` (a run per side each); default `--rounds` if given, else {@link DEFAULT_SOAK_ROUNDS}. */
  readonly soakRounds: number;
  /** Subscribers of `fanout`; default {@link DEFAULT_FANOUT_SUBSCRIBERS}. */
  readonly fanoutSubscribers: number;
  /** Messages per run of `fanout`; default {@link DEFAULT_FANOUT_MESSAGES}. */
  readonly fanoutMessages: number;
  /** Publish rate of `fanout`, messages/s; default {@link DEFAULT_FANOUT_RATE}. */
  readonly fanoutRate: number;
  /** Idle time before `rss` samples; default {@link DEFAULT_RSS_IDLE_MS}. */
  readonly rssIdleMs: number;
  /** RSS sampling interval under load; default {@link DEFAULT_RSS_SAMPLE_MS}. */
  readonly rssSampleMs: number;
  /** Overload time of the slow consumer; default {@link DEFAULT_SLOW_CONSUMER_MS}. */
  readonly slowConsumerMs: number;
  /** Handler time per message of the slow consumer; default {@link DEFAULT_SLOW_HANDLER_MS}. */
  readonly slowHandlerMs: number;
  /** Overload factor of the slow consumer's producer; default {@link DEFAULT_SLOW_OVERLOAD}. */
  readonly slowOverload: number;
  /** RSS sampling interval of the slow consumer; default {@link DEFAULT_SLOW_SAMPLE_MS}. */
  readonly slowSampleMs: number;
  /** JSON output path, or null to write nothing (no JSON, chart or document); default {@link DEFAULT_OUTPUT_PATH}. */
  readonly outputPath: string | null;
  /** Markdown document that gets the results table when output is written; default {@link DEFAULT_DOC_PATH}. */
  readonly docPath: string;
  /**
   * CPU budget of every server process in the budget mode of {@link BUDGET_SCENARIOS}:
   * `cpus` per process (default {@link DEFAULT_BUDGET_CPUS}), quota period
   * `periodMs` (default {@link DEFAULT_BUDGET_PERIOD_MS}), and `scaleCpus` per
   * process in `scale` (`--scale-budget`, default {@link DEFAULT_SCALE_BUDGET_CPUS});
   * null (`--no-budget`) runs shared cores only.
   */
  readonly budget: { readonly cpus: number; readonly periodMs: number; readonly scaleCpus: number } | null;
  /** Whether those scenarios also run on shared cores; false with `--budget-only`. Default true. */
  readonly sharedMode: boolean;
  /** Idle seconds before each scenario after the first (`--settle`); default {@link DEFAULT_SETTLE_SECONDS}, 0 with `--quick`. */
  readonly settleSeconds: number;
}

/** The one-line usage `npm run bench -- --help` prints and every argument error ends with. */
export const USAGE = `usage: bench [${SCENARIOS.join('|')} …] [--quick] [--n N] [--rounds R] [--soak-requests N] [--budget CPUS | --no-budget | --budget-only] [--budget-period MS] [--scale-budget CPUS] [--settle SECONDS] [--out PATH | --no-write]`;

function positiveNumber(option: string, text: string | undefined, max: number): number {
  const value = text === undefined || !/^[0-9]*\.?[0-9]+$/.test(text) ? Number.NaN : Number(text);
  if (!(value > 0 && value <= max)) {
    throw new InvalidOptionError(option, `expected a number above 0 and at most ${max}, got ${JSON.stringify(text ?? '')}`);
  }
  return value;
}

/** A whole number of at least `min` (`_` may group its digits). */
function integerArg(option: string, text: string | undefined, min: 0 | 1 = 1): number {
  const value = text === undefined || !/^(?:0|[1-9][0-9_]*)$/.test(text) ? Number.NaN : Number(text.replaceAll('_', ''));
  if (!(value >= min)) {
    const expected = min === 1 ? 'a positive integer' : 'a whole number (0 or more)';
    throw new InvalidOptionError(option, `expected ${expected}, got ${JSON.stringify(text ?? '')}`);
  }
  return value;
}

/**
 * Parses `argv` (without node and the script) and `env` (`BENCH_N`). Explicit
 * `--n` wins over `BENCH_N`, which wins over `--quick`. Throws
 * `InvalidOptionError` naming the option for anything it does not understand.
 */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchOptions {
  const scenarios: ScenarioName[] = [];
  let quick = false;
  let n: number | undefined;
  let rounds: number | undefined;
  let soakRequests: number | undefined;
  let outputPath: string | null = DEFAULT_OUTPUT_PATH;
  let budgetCpus: number | null = DEFAULT_BUDGET_CPUS;
  let budgetPeriodMs = DEFAULT_BUDGET_PERIOD_MS;
  let budgetOnly = false;
  let scaleBudgetCpus = DEFAULT_SCALE_BUDGET_CPUS;
  let settleSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--n':
        n = integerArg('--n', value());
        break;
      case '--rounds':
        rounds = integerArg('--rounds', value());
        break;
      case '--soak-requests':
        soakRequests = integerArg('--soak-requests', value());
        break;
      case '--out': {
        const path = value();
        if (path === undefined || path === '') throw new InvalidOptionError('--out', 'expected a path');
        outputPath = path;
        break;
      }
      case '--no-write':
        outputPath = null;
        break;
      case '--budget':
        budgetCpus = positiveNumber('--budget', value(), availableParallelism());
        break;
      case '--no-budget':
        budgetCpus = null;
        break;
      case '--budget-only':
        budgetOnly = true;
        break;
      case '--budget-period':
        budgetPeriodMs = positiveNumber('--budget-period', value(), MAX_BUDGET_PERIOD_MS);
        break;
      case '--scale-budget':
        scaleBudgetCpus = positiveNumber('--scale-budget', value(), availableParallelism());
        break;
      case '--settle':
        settleSeconds = integerArg('--settle', value(), 0);
        break;
      default: {
        if (!(SCENARIOS as readonly string[]).includes(arg)) {
          throw new InvalidOptionError('scenario', `unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
        }
        if (!scenarios.includes(arg as ScenarioName)) scenarios.push(arg as ScenarioName);
      }
    }
  }
  const envN = env['BENCH_N'];
  n ??= envN === undefined || envN === '' ? undefined : integerArg('BENCH_N', envN);
  n ??= quick ? QUICK_PRESET.n : DEFAULT_N;
  if (budgetOnly && budgetCpus === null) throw new InvalidOptionError('--budget-only', 'cannot be combined with --no-budget');
  for (const cpus of budgetCpus === null ? [] : [budgetCpus, scaleBudgetCpus]) {
    if (budgetPeriodMs < 1 || cpus * budgetPeriodMs < 1) {
      // The kernel takes no period and no quota below 1 ms.
      throw new InvalidOptionError('--budget-period', `the period and the quota (budget × period) must be at least 1 ms, got ${budgetPeriodMs} ms × ${cpus}`);
    }
  }
  return Object.freeze({
    scenarios: Object.freeze(scenarios.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => scenarios.includes(s))),
    n,
    rounds: rounds ?? (quick ? QUICK_PRESET.rounds : DEFAULT_ROUNDS),
    warmupN: Math.max(DEFAULT_BATCH_SIZE, Math.round(n * DEFAULT_WARMUP_FRACTION)),
    payloadBytes: DEFAULT_PAYLOAD_BYTES,
    batchSize: DEFAULT_BATCH_SIZE,
    inFlightBatches: DEFAULT_IN_FLIGHT_BATCHES,
    memoryEntries: quick ? QUICK_PRESET.memoryEntries : Math.min(DEFAULT_MEMORY_ENTRIES, Math.max(n, 1_000)),
    stateRecoveryKeys: quick ? QUICK_PRESET.stateRecoveryKeys : DEFAULT_STATE_RECOVERY_KEYS,
    memoryPayloadSizes: DEFAULT_MEMORY_PAYLOAD_SIZES,
    cliLines: quick ? QUICK_PRESET.cliLines : DEFAULT_CLI_LINES,
    bullmqJobs: quick ? QUICK_PRESET.bullmqJobs : DEFAULT_BULLMQ_JOBS,
    rrConcurrency: DEFAULT_RR_CONCURRENCY,
    rrRequests: quick ? QUICK_PRESET.rrRequests : DEFAULT_RR_REQUESTS,
    rrSerialRequests: quick ? QUICK_PRESET.rrSerialRequests : DEFAULT_RR_SERIAL_REQUESTS,
    rrWorkerConcurrency: DEFAULT_RR_WORKER_CONCURRENCY,
    httpRequests: quick ? QUICK_PRESET.httpRequests : DEFAULT_HTTP_REQUESTS,
    httpMinSeconds: quick ? QUICK_PRESET.httpMinSeconds : DEFAULT_HTTP_MIN_SECONDS,
    httpConnections: DEFAULT_HTTP_CONNECTIONS,
    scaleWorkers: DEFAULT_SCALE_WORKERS,
    scaleGateways: DEFAULT_SCALE_GATEWAYS,
    scaleGatewayWorkers: DEFAULT_SCALE_GATEWAY_WORKERS,
    scaleRedisWorkers: DEFAULT_SCALE_REDIS_WORKERS,
    scaleWorkIterations: DEFAULT_SCALE_WORK_ITERATIONS,
    scaleWorkConcurrency: DEFAULT_SCALE_WORK_CONCURRENCY,
    scaleRequests: quick ? QUICK_PRESET.scaleRequests : DEFAULT_SCALE_REQUESTS,
    scaleWorkRequests: quick ? QUICK_PRESET.scaleWorkRequests : DEFAULT_SCALE_WORK_REQUESTS,
    scaleSeconds: quick ? QUICK_PRESET.scaleSeconds : DEFAULT_SCALE_SECONDS,
    longRunRounds: rounds ?? DEFAULT_LONG_RUN_ROUNDS,
    soakRequests: soakRequests ?? (quick ? QUICK_PRESET.soakRequests : DEFAULT_SOAK_REQUESTS),
    soakRounds: rounds ?? DEFAULT_SOAK_ROUNDS,
    fanoutSubscribers: DEFAULT_FANOUT_SUBSCRIBERS,
    fanoutMessages: quick ? QUICK_PRESET.fanoutMessages : DEFAULT_FANOUT_MESSAGES,
    fanoutRate: DEFAULT_FANOUT_RATE,
    rssIdleMs: DEFAULT_RSS_IDLE_MS,
    rssSampleMs: DEFAULT_RSS_SAMPLE_MS,
    slowConsumerMs: quick ? QUICK_PRESET.slowConsumerMs : DEFAULT_SLOW_CONSUMER_MS,
    slowHandlerMs: DEFAULT_SLOW_HANDLER_MS,
    slowOverload: DEFAULT_SLOW_OVERLOAD,
    slowSampleMs: DEFAULT_SLOW_SAMPLE_MS,
    outputPath,
    docPath: DEFAULT_DOC_PATH,
    budget: budgetCpus === null ? null : Object.freeze({ cpus: budgetCpus, periodMs: budgetPeriodMs, scaleCpus: scaleBudgetCpus }),
    sharedMode: !budgetOnly,
    settleSeconds: settleSeconds ?? (quick ? QUICK_PRESET.settleSeconds : DEFAULT_SETTLE_SECONDS),
  });
}
