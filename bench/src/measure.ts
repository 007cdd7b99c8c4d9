/**
 * Timed comparison of sides doing the same work: an untimed warm-up per side,
 * then `rounds` measured runs alternating the sides (a, b, c, c, b, a, …) so
 * that drift (thermal, GC, other processes) hits all alike, and ratios taken
 * round by round ({@link paired}). Every run records
 * the CPU time of each process involved: this one, redis-server, and the
 * side's own child processes.
 */
import { StreamersonError } from '@streamerson/core';
import { performance } from 'node:perf_hooks';
import { serverCpu, type BenchContext } from './context.js';
import { cpuSince, fromCpuUsage, totalMs, type CpuTime } from './cpu-time.js';
import { middleHalf, spread, type MiddleHalf, type Spread } from './stats.js';

/** Cumulative CPU time of one process so far. */
export type CpuProbe = () => Promise<CpuTime>;

/** Latency percentiles of one run, in milliseconds. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/** What a run reports besides its wall time. */
export interface RunOutcome {
  /** Messages (or requests) the side handled. */
  readonly processed: number;
  /** Per-request latency, for request/reply and HTTP sides. */
  readonly latencyMs?: Latency;
}

/** One run of one side, set up and ready to time. */
export interface PreparedRun {
  /** The timed work; resolves with how many messages it handled, or with an outcome that adds latency. */
  run(): Promise<number | RunOutcome>;
  /** Untimed check of what the server (or worker) confirms afterwards; then frees the run's keys. */
  verifyAndCleanup(): Promise<number>;
  /** The side's child processes (workers, HTTP servers), by role; this process and redis-server are always measured. */
  readonly processes?: Readonly<Record<string, CpuProbe>>;
}

/** A side of a comparison: prepares one run of `n` messages (untimed). */
export type Side = (n: number) => Promise<PreparedRun>;

/** Process names every sample carries. */
export const CLIENT_PROCESS = 'bench';
export const SERVER_PROCESS = 'redis-server';

/** One measured run. */
export interface RunSample {
  readonly messages: number;
  /** Messages the side reported handled. */
  readonly processed: number;
  /** Messages the server (or worker) confirmed afterwards. */
  readonly verified: number;
  readonly wallMs: number;
  readonly msgsPerSec: number;
  /** CPU time per process during the run, user + system, ms: {@link CLIENT_PROCESS}, {@link SERVER_PROCESS}, then the side's children. */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** The part of {@link cpuMs} spent in the kernel (system calls), same keys. */
  readonly systemCpuMs: Readonly<Record<string, number>>;
  readonly latencyMs?: Latency;
}

/** All runs of one side and their spread. */
export interface SideResult {
  readonly runs: readonly RunSample[];
  readonly msgsPerSec: Spread;
  /** CPU per message and process, microseconds (median of runs). */
  readonly cpuUsPerMsg: Readonly<Record<string, number>>;
  /** The part of {@link cpuUsPerMsg} spent in the kernel, microseconds (median of runs). */
  readonly systemUsPerMsg: Readonly<Record<string, number>>;
  /** CPUs each process kept busy during a run, CPU time over wall time (median of runs): against a budget, how close it came. */
  readonly cpusUsed: Readonly<Record<string, number>>;
  /** Median of the runs' p50 and p99, with their spread. */
  readonly latencyMs?: { readonly p50: Spread; readonly p99: Spread };
}

/** Every side of one comparison, by name, in the order they ran. */
export interface Comparison {
  readonly n: number;
  readonly warmupN: number;
  readonly rounds: number;
  readonly sides: Readonly<Record<string, SideResult>>;
}

/**
 * How a side compares with a baseline against a published bar: a throughput
 * ratio (at least `target`), a size ratio (at most `target`), a difference
 * of p50 latency in ms (at most `target`), a ratio of p99 latency (at most
 * `target`) or a growth of resident memory in MB (below `target`).
 */
export interface Verdict {
  readonly side: string;
  readonly baseline: string;
  readonly metric: 'ratio' | 'maxRatio' | 'p50DeltaMs' | 'p99Ratio' | 'rssGrowthMB' | 'maxMs';
  /**
   * Msgs/s of `side` over the baseline's; bytes of `side` over the
   * baseline's; p50 of `side` minus the baseline's; or p99 of `side` over
   * the baseline's (at most `target`), each taken round by round (the median
   * of the rounds' figures, see {@link pairedRatio}); or the largest RSS of
   * `side` minus its RSS at `baseline` (the start), in MB (below `target`);
   * or a duration of `side` in ms (below `target`).
   */
  readonly value: number;
  /**
   * For a figure taken round by round, the middle half of the rounds'
   * figures (25th to 75th percentile): where it holds the target, the rounds
   * of the run disagree on the verdict.
   */
  readonly rounds?: MiddleHalf;
  readonly target: number;
  readonly meetsTarget: boolean;
}

/** Run counts of a comparison. */
export interface Counts {
  readonly n: number;
  readonly warmupN: number;
  readonly rounds: number;
}

async function cpuOf(probes: Readonly<Record<string, CpuProbe>>): Promise<Record<string, CpuTime>> {
  const out: Record<string, CpuTime> = {};
  for (const [name, probe] of Object.entries(probes)) out[name] = await probe();
  return out;
}

async function measure(ctx: BenchContext, side: Side, n: number): Promise<RunSample> {
  const prepared = await side(n);
  const children = prepared.processes ?? {};
  const server0 = await serverCpu(ctx.admin);
  const children0 = await cpuOf(children);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const outcome = await prepared.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const children1 = await cpuOf(children);
  const server1 = await serverCpu(ctx.admin);
  const verified = await prepared.verifyAndCleanup();
  const { processed, latencyMs } = typeof outcome === 'number' ? { processed: outcome, latencyMs: undefined } : outcome;
  const used: Record<string, CpuTime> = { [CLIENT_PROCESS]: fromCpuUsage(cpu), [SERVER_PROCESS]: cpuSince(server0, server1) };
  for (const name of Object.keys(children)) used[name] = cpuSince(children0[name]!, children1[name]!);
  const cpuMs: Record<string, number> = {};
  const systemCpuMs: Record<string, number> = {};
  for (const [name, t] of Object.entries(used)) {
    cpuMs[name] = totalMs(t);
    systemCpuMs[name] = t.systemMs;
  }
  return {
    messages: n,
    processed,
    verified,
    wallMs,
    msgsPerSec: (processed / wallMs) * 1_000,
    cpuMs,
    systemCpuMs,
    ...(latencyMs === undefined ? {} : { latencyMs }),
  };
}

function summarize(runs: readonly RunSample[]): SideResult {
  const cpuUsPerMsg: Record<string, number> = {};
  const systemUsPerMsg: Record<string, number> = {};
  const cpusUsed: Record<string, number> = {};
  for (const name of Object.keys(runs[0]?.cpuMs ?? {})) {
    cpuUsPerMsg[name] = spread(runs.map((r) => ((r.cpuMs[name] ?? 0) * 1_000) / r.messages)).median;
    systemUsPerMsg[name] = spread(runs.map((r) => ((r.systemCpuMs[name] ?? 0) * 1_000) / r.messages)).median;
    cpusUsed[name] = spread(runs.map((r) => (r.cpuMs[name] ?? 0) / r.wallMs)).median;
  }
  const latencies = runs.flatMap((r) => (r.latencyMs === undefined ? [] : [r.latencyMs]));
  return {
    runs,
    msgsPerSec: spread(runs.map((r) => r.msgsPerSec)),
    cpuUsPerMsg,
    systemUsPerMsg,
    cpusUsed,
    ...(latencies.length === runs.length && runs.length > 0
      ? { latencyMs: { p50: spread(latencies.map((l) => l.p50)), p99: spread(latencies.map((l) => l.p99)) } }
      : {}),
  };
}

function checkCounts(label: string, sample: RunSample): void {
  if (sample.processed !== sample.messages || sample.verified !== sample.messages) {
    // A side that lost or duplicated messages must not post a figure.
    throw new StreamersonError(
      'ERR_STREAMERSON_ENGINE',
      `${label}: expected ${sample.messages} messages, handled ${sample.processed}, confirmed ${sample.verified}`,
    );
  }
}

/**
 * The order in which the sides of a comparison run in measured round
 * `round`: as given in even rounds, reversed in odd ones (a, b, c, c, b, a,
 * …), so that drift hits all sides alike and no side always runs right after
 * the same other one (whose garbage, heat or backlog it would inherit).
 */
export function roundOrder<T>(order: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? order : [...order].reverse();
}

/**
 * Warms every side up with `warmupN` messages, then measures `rounds` runs of
 * `n` each, alternating. Throws when a run handled a different number of
 * messages than asked, so a broken side cannot post a good figure.
 */
export async function compare(ctx: BenchContext, sides: Readonly<Record<string, Side>>, counts: Counts): Promise<Comparison> {
  const order = Object.keys(sides);
  const samples = new Map<string, RunSample[]>(order.map((name) => [name, []]));
  if (counts.warmupN > 0) {
    for (const name of order) checkCounts(`${name} (warm-up)`, await measure(ctx, sides[name]!, counts.warmupN));
  }
  for (let round = 0; round < counts.rounds; round++) {
    for (const name of roundOrder(order, round)) {
      const sample = await measure(ctx, sides[name]!, counts.n);
      checkCounts(name, sample);
      samples.get(name)!.push(sample);
    }
  }
  const results: Record<string, SideResult> = {};
  for (const name of order) results[name] = summarize(samples.get(name)!);
  return { n: counts.n, warmupN: counts.warmupN, rounds: counts.rounds, sides: results };
}

/** Counts of a run are rounded up to a multiple of this when raised to last a least time. */
const RUN_SIZE_STEP = 1_000;
/** Margin on a calibrated rate: measured runs are often a little faster than the calibration run. */
const RATE_MARGIN = 1.2;

/**
 * Messages per run so that `rounds` runs of the side named `calibrate` last
 * at least `minSeconds` in all: `n`, raised to what the rate of a calibration
 * run of `n` (after a warm-up run of `warmupN`; neither is reported) says,
 * with a margin. A short calibration run would understate the rate:
 * connecting and the first messages weigh on it. Every other side then makes
 * the same two runs, unreported, so that no side enters the rounds warmer
 * than another. With `minSeconds` 0 nothing runs and `n` stands.
 */
export async function sizeRuns(
  sides: Readonly<Record<string, Side>>,
  calibrate: string,
  n: number,
  warmupN: number,
  minSeconds: number,
  rounds: number,
): Promise<{ n: number; rate: number }> {
  if (minSeconds <= 0) return { n, rate: 0 };
  const once = async (side: Side, count: number): Promise<number> => {
    const prepared = await side(count);
    const t0 = performance.now();
    const outcome = await prepared.run();
    const wallMs = performance.now() - t0;
    await prepared.verifyAndCleanup();
    return ((typeof outcome === 'number' ? outcome : outcome.processed) / wallMs) * 1_000;
  };
  const calibrated = sides[calibrate];
  if (calibrated === undefined) throw new Error(`no side "${calibrate}" to calibrate on`);
  await once(calibrated, warmupN);
  const rate = await once(calibrated, n);
  for (const [name, side] of Object.entries(sides)) {
    if (name === calibrate) continue;
    await once(side, warmupN);
    await once(side, n);
  }
  const needed = Math.ceil((rate * RATE_MARGIN * minSeconds) / rounds / RUN_SIZE_STEP) * RUN_SIZE_STEP;
  return { n: Math.max(n, needed), rate };
}

/** A figure taken round by round (see {@link paired}). */
export interface PairedFigure {
  /** The median of the rounds' figures. */
  readonly value: number;
  /** The middle half of the rounds' figures: how far the rounds agree. */
  readonly rounds: MiddleHalf;
}

/**
 * The median over rounds of `combine(runs[i], baseRuns[i])`, the runs of two
 * sides listed by round, and the middle half of those figures: the runs of a
 * round ran back to back, so a change in the machine's speed between rounds
 * falls on both. A shared VM's core can change speed by up to 1.7 × in steps
 * lasting seconds to minutes (docs/BENCHMARKS.md), which a figure made of the
 * two sides' medians, taken from different rounds, would pass on. A side with
 * fewer runs is compared over the rounds both have.
 */
export function paired<T>(runs: readonly T[], baseRuns: readonly T[], combine: (run: T, base: T) => number): PairedFigure {
  const rounds = Math.min(runs.length, baseRuns.length);
  const values: number[] = [];
  for (let i = 0; i < rounds; i++) values.push(combine(runs[i]!, baseRuns[i]!));
  return { value: spread(values).median, rounds: middleHalf(values) };
}

const throughput = (run: RunSample): number => run.msgsPerSec;
const p99 = (run: RunSample): number => run.latencyMs?.p99 ?? Number.NaN;

/** `of(run)` of a run over that of the baseline's run of the same round. */
function ratioOf(of: (run: RunSample) => number): (run: RunSample, base: RunSample) => number {
  return (run, base) => of(run) / of(base);
}

/** `of(run)` of `side` over that of `baseline`, round by round (see {@link paired}); throughput by default. */
export function pairedRatio(side: SideResult, baseline: SideResult, of: (run: RunSample) => number = throughput): number {
  return paired(side.runs, baseline.runs, ratioOf(of)).value;
}

/** Throughput verdict: msgs/s of `side` over `baseline`'s, round by round (see {@link paired}), at least `target`. */
export function throughputVerdict(c: Comparison, side: string, baseline: string, target: number): Verdict {
  const { value, rounds } = paired(c.sides[side]!.runs, c.sides[baseline]!.runs, ratioOf(throughput));
  return { side, baseline, metric: 'ratio', value, rounds, target, meetsTarget: value >= target };
}

/** Latency verdict: p50 of `side` minus `baseline`'s, round by round (see {@link paired}), at most `target` ms. */
export function p50Verdict(c: Comparison, side: string, baseline: string, target: number): Verdict {
  const p50 = (run: RunSample): number => run.latencyMs?.p50 ?? Number.NaN;
  const { value, rounds } = paired(c.sides[side]!.runs, c.sides[baseline]!.runs, (run, base) => p50(run) - p50(base));
  return { side, baseline, metric: 'p50DeltaMs', value, rounds, target, meetsTarget: value <= target };
}

/** Tail latency verdict: p99 of `side` over `baseline`'s, round by round (see {@link paired}), at most `target`. */
export function p99Verdict(c: Comparison, side: string, baseline: string, target: number): Verdict {
  const { value, rounds } = paired(c.sides[side]!.runs, c.sides[baseline]!.runs, ratioOf(p99));
  return { side, baseline, metric: 'p99Ratio', value, rounds, target, meetsTarget: value <= target };
}
