/**
 * Benchmark options: defaults, the `--quick` preset, and the one parser that
 * reads them from the command line and `BENCH_N`.
 */
import { InvalidOptionError } from '@streamerson/core';

/** The scenarios, in the order a full run executes them. */
export const SCENARIOS = Object.freeze(['produce', 'consume', 'bullmq', 'request-reply', 'http', 'memory'] as const);
/** One benchmark scenario. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Messages per measured run of `produce` and `consume`. */
export const DEFAULT_N = 200_000;
/** Measured runs per side; the sides alternate (ours, raw, ours, raw, …). Five, not three: single runs on a shared 2-core machine move by tens of percent. */
export const DEFAULT_ROUNDS = 5;
/** Entries per stream in the `memory` scenario. */
export const DEFAULT_MEMORY_ENTRIES = 10_000;
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
/** Connections the HTTP load generator keeps open. */
export const DEFAULT_HTTP_CONNECTIONS = 100;
/** `--quick`: a smoke run of a few seconds. */
export const QUICK_PRESET = Object.freeze({ n: 5_000, rounds: 3, memoryEntries: 2_000, bullmqJobs: 2_000, rrRequests: 5_000, rrSerialRequests: 1_000, httpRequests: 2_000 });
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
  /** Payload sizes of `memory`; default {@link DEFAULT_MEMORY_PAYLOAD_SIZES}. */
  readonly memoryPayloadSizes: readonly number[];
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
  /** Requests per run of `http`; default {@link DEFAULT_HTTP_REQUESTS}. */
  readonly httpRequests: number;
  /** Connections of the HTTP load; default {@link DEFAULT_HTTP_CONNECTIONS}. */
  readonly httpConnections: number;
  /** JSON output path, or null to write nothing (no JSON, chart or document); default {@link DEFAULT_OUTPUT_PATH}. */
  readonly outputPath: string | null;
  /** Markdown document that gets the results table when output is written; default {@link DEFAULT_DOC_PATH}. */
  readonly docPath: string;
}

const USAGE = `usage: bench [${SCENARIOS.join('|')} …] [--quick] [--n N] [--rounds R] [--out PATH | --no-write]`;

function positiveInt(option: string, text: string | undefined): number {
  if (text === undefined || !/^[1-9][0-9_]*$/.test(text)) {
    throw new InvalidOptionError(option, `expected a positive integer, got ${JSON.stringify(text ?? '')}`);
  }
  return Number(text.replaceAll('_', ''));
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
  let outputPath: string | null = DEFAULT_OUTPUT_PATH;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick': quick = true; break;
      case '--n': n = positiveInt('--n', value()); break;
      case '--rounds': rounds = positiveInt('--rounds', value()); break;
      case '--out': {
        const path = value();
        if (path === undefined || path === '') throw new InvalidOptionError('--out', 'expected a path');
        outputPath = path;
        break;
      }
      case '--no-write': outputPath = null; break;
      default: {
        if (!(SCENARIOS as readonly string[]).includes(arg)) {
          throw new InvalidOptionError('scenario', `unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
        }
        if (!scenarios.includes(arg as ScenarioName)) scenarios.push(arg as ScenarioName);
      }
    }
  }
  const envN = env['BENCH_N'];
  n ??= envN === undefined || envN === '' ? undefined : positiveInt('BENCH_N', envN);
  n ??= quick ? QUICK_PRESET.n : DEFAULT_N;
  return Object.freeze({
    scenarios: Object.freeze(scenarios.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => scenarios.includes(s))),
    n,
    rounds: rounds ?? (quick ? QUICK_PRESET.rounds : DEFAULT_ROUNDS),
    warmupN: Math.max(DEFAULT_BATCH_SIZE, Math.round(n * DEFAULT_WARMUP_FRACTION)),
    payloadBytes: DEFAULT_PAYLOAD_BYTES,
    batchSize: DEFAULT_BATCH_SIZE,
    inFlightBatches: DEFAULT_IN_FLIGHT_BATCHES,
    memoryEntries: quick ? QUICK_PRESET.memoryEntries : Math.min(DEFAULT_MEMORY_ENTRIES, Math.max(n, 1_000)),
    memoryPayloadSizes: DEFAULT_MEMORY_PAYLOAD_SIZES,
    bullmqJobs: quick ? QUICK_PRESET.bullmqJobs : DEFAULT_BULLMQ_JOBS,
    rrConcurrency: DEFAULT_RR_CONCURRENCY,
    rrRequests: quick ? QUICK_PRESET.rrRequests : DEFAULT_RR_REQUESTS,
    rrSerialRequests: quick ? QUICK_PRESET.rrSerialRequests : DEFAULT_RR_SERIAL_REQUESTS,
    rrWorkerConcurrency: DEFAULT_RR_WORKER_CONCURRENCY,
    httpRequests: quick ? QUICK_PRESET.httpRequests : DEFAULT_HTTP_REQUESTS,
    httpConnections: DEFAULT_HTTP_CONNECTIONS,
    outputPath,
    docPath: DEFAULT_DOC_PATH,
  });
}
