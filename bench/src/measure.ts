/**
 * Timed comparison of sides doing the same work: an untimed warm-up per side,
 * then `rounds` measured runs alternating ours, raw, (same-format raw,) ours,
 * raw, … so that drift (thermal, GC, other processes) hits all alike.
 */
import { StreamersonError } from '@streamerson/core';
import { performance } from 'node:perf_hooks';
import { serverCpuMs, type BenchContext } from './context.js';
import { spread, type Spread } from './stats.js';

/** One run of one side, set up and ready to time. */
export interface PreparedRun {
  /** The timed work; resolves with how many messages it handled (produced, or consumed and acked). */
  run(): Promise<number>;
  /** Untimed check of what the server holds afterwards (entries stored, entries acked); then frees the run's keys. */
  verifyAndCleanup(): Promise<number>;
}

/** A side of a comparison: prepares one run of `n` messages (untimed). */
export type Side = (n: number) => Promise<PreparedRun>;

/** One measured run. */
export interface RunSample {
  readonly messages: number;
  /** Messages the side reported handled. */
  readonly processed: number;
  /** Messages the server confirmed afterwards. */
  readonly verified: number;
  readonly wallMs: number;
  readonly msgsPerSec: number;
  /** CPU time of this (client) process during the run, user + system. */
  readonly clientCpuMs: number;
  /** CPU time of redis-server during the run, user + system. */
  readonly serverCpuMs: number;
}

/** All runs of one side and their spread. */
export interface SideResult {
  readonly runs: readonly RunSample[];
  readonly msgsPerSec: Spread;
  /** Client CPU per message, microseconds (median of runs). */
  readonly clientCpuUsPerMsg: number;
  /** redis-server CPU per message, microseconds (median of runs). */
  readonly serverCpuUsPerMsg: number;
}

/** The sides of a comparison. */
export interface Sides {
  /** Streamerson. */
  readonly ours: Side;
  /** The baseline: plain ioredis, one payload field. */
  readonly raw: Side;
  /** Informational: plain ioredis writing/reading the same eight-field entries as ours. */
  readonly rawSameFormat?: Side;
}

/** Ours against raw. */
export interface Comparison {
  readonly n: number;
  readonly rounds: number;
  readonly ours: SideResult;
  readonly raw: SideResult;
  readonly rawSameFormat?: SideResult;
  /** Median msgs/s of ours divided by raw's. */
  readonly ratio: number;
  /** Median msgs/s of ours divided by same-format raw's: the library's own overhead, the entry format set aside. */
  readonly sameFormatRatio?: number;
  /** Lowest acceptable {@link ratio}. */
  readonly target: number;
  readonly meetsTarget: boolean;
}

async function measure(ctx: BenchContext, side: Side, n: number): Promise<RunSample> {
  const prepared = await side(n);
  const server0 = await serverCpuMs(ctx.admin);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const processed = await prepared.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await serverCpuMs(ctx.admin);
  const verified = await prepared.verifyAndCleanup();
  return {
    messages: n,
    processed,
    verified,
    wallMs,
    msgsPerSec: (processed / wallMs) * 1_000,
    clientCpuMs: (cpu.user + cpu.system) / 1_000,
    serverCpuMs: server1 - server0,
  };
}

function summarize(runs: readonly RunSample[]): SideResult {
  const perMsg = (ms: number, r: RunSample): number => (ms * 1_000) / r.messages;
  return {
    runs,
    msgsPerSec: spread(runs.map((r) => r.msgsPerSec)),
    clientCpuUsPerMsg: spread(runs.map((r) => perMsg(r.clientCpuMs, r))).median,
    serverCpuUsPerMsg: spread(runs.map((r) => perMsg(r.serverCpuMs, r))).median,
  };
}

function checkCounts(label: string, sample: RunSample): void {
  if (sample.processed !== sample.messages || sample.verified !== sample.messages) {
    // A side that lost or duplicated messages must not post a figure.
    throw new StreamersonError(
      'ERR_STREAMERSON_ENGINE',
      `${label}: expected ${sample.messages} messages, handled ${sample.processed}, server confirmed ${sample.verified}`,
    );
  }
}

/**
 * Warms both sides up with `warmupN` messages, then measures `rounds` runs of
 * `n` each, alternating. Throws when a run handled a different number of
 * messages than asked, so a broken side cannot post a good figure.
 */
export async function compare(
  ctx: BenchContext,
  sides: Sides,
  target: number,
  counts: { readonly n: number; readonly warmupN: number; readonly rounds: number },
): Promise<Comparison> {
  const order = (Object.keys(sides) as (keyof Sides)[]).filter((name) => sides[name] !== undefined);
  const samples = new Map<keyof Sides, RunSample[]>(order.map((name) => [name, []]));
  if (counts.warmupN > 0) {
    for (const name of order) checkCounts(`${name} (warm-up)`, await measure(ctx, sides[name]!, counts.warmupN));
  }
  for (let round = 0; round < counts.rounds; round++) {
    for (const name of order) {
      const sample = await measure(ctx, sides[name]!, counts.n);
      checkCounts(name, sample);
      samples.get(name)!.push(sample);
    }
  }
  const ours = summarize(samples.get('ours')!);
  const raw = summarize(samples.get('raw')!);
  const sameFormat = samples.has('rawSameFormat') ? summarize(samples.get('rawSameFormat')!) : undefined;
  const ratio = ours.msgsPerSec.median / raw.msgsPerSec.median;
  return {
    n: counts.n,
    rounds: counts.rounds,
    ours,
    raw,
    ...(sameFormat ? { rawSameFormat: sameFormat, sameFormatRatio: ours.msgsPerSec.median / sameFormat.msgsPerSec.median } : {}),
    ratio,
    target,
    meetsTarget: ratio >= target,
  };
}
