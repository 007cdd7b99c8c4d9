/**
 * `soak`: does a service left running stay bounded? `soakRequests`
 * (`--soak-requests`) `POST /echo` requests through our gateway (its own
 * process) to a `Service` member (in this process), in chunks of
 * {@link CHUNK} (an eighth of the run when that is less) under the `http`
 * load (`httpConnections`), after an untimed chunk of warm-up. Each round
 * makes a run with topic trimming on (the service's default `trimIntervalMs`)
 * and one with it off (`trimIntervalMs` 0); `soakRounds` rounds, the sides in
 * turn (on, off, off, on, …), each run on a fresh topic, gateway and service,
 * so that drift of a shared machine hits both sides alike. Between chunks,
 * the length of every stream on the server and Redis `used_memory` are
 * sampled; the samples are the result's curves (in the results JSON, for
 * charting). Flat after warm-up: the largest length of each stream and the
 * largest `used_memory` in the last quarter of the samples are at most
 * {@link FLAT_MARGIN} over those of the middle half (a trimmed topic is a saw
 * tooth, one tooth per `trimIntervalMs`: a window of a few teeth sees its
 * full height). The median throughput with trimming on must be at least
 * {@link SOAK_THROUGHPUT_TARGET} × the median with it off.
 */
import { performance } from 'node:perf_hooks';
import { connect } from '@streamerson/core';
import type { HttpRequest } from '@streamerson/gateway';
import { Service } from '@streamerson/service';
import { uniqueName } from '@streamerson/testkit';
import { startServer, stopAll, type ChildHandle } from '../child.js';
import { serverCpuMs, type BenchContext } from '../context.js';
import { int } from '../format.js';
import { echoCall, HELLO_REPLY } from '../http-calls.js';
import { httpLoad } from '../http-load.js';
import type { Verdict } from '../measure.js';
import { makePayload } from '../payload.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import { spread } from '../stats.js';
import { GATEWAY_HELLO_TYPE, GATEWAY_TYPE } from '../workers/rr-protocol.js';

const HTTP_SERVER = new URL('../workers/http-server.js', import.meta.url);
/** Requests between two samples. */
const CHUNK = 10_000;
/** Largest growth of the last quarter's peak over the middle half's that still counts as flat. */
export const FLAT_MARGIN = 0.1;
/** Growth of a stream's length that always counts as flat: a node's worth (Redis' default), which approximate trims may keep beyond their bound. */
const FLAT_FLOOR = 100;
/** Lowest acceptable throughput with trimming on relative to off. */
export const SOAK_THROUGHPUT_TARGET = 0.95;

/** One sample of a run. */
export interface SoakSample {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly usedMemory: number;
  /** Length of every stream on the server, by key. */
  readonly lengths: Readonly<Record<string, number>>;
}

/** One run, trimming on or off. */
export interface SoakRun {
  readonly trimming: boolean;
  /** The round it belongs to, from 0. */
  readonly round: number;
  readonly requests: number;
  readonly reqPerSec: number;
  /** CPU per request over the run (samples and trim passes included), µs, by process: the service runs in the bench process, with the load generator. */
  readonly cpuUsPerRequest: Readonly<Record<string, number>>;
  readonly samples: readonly SoakSample[];
  /** The service's trim passes and the entries they removed. */
  readonly trimPasses: number;
  readonly trimmed: number;
  /** Whether the topic's length, every stream's length and `used_memory` stayed flat after warm-up. */
  readonly flat: { readonly topic: boolean; readonly streams: boolean; readonly memory: boolean };
}

export interface SoakResult {
  readonly runs: readonly SoakRun[];
}

/** Whether `values` (one per sample) stay within {@link FLAT_MARGIN} of the middle half's peak (at least {@link FLAT_FLOOR}) in the last quarter. */
export function flat(values: readonly number[]): boolean {
  if (values.length < 4) return true;
  const q = Math.floor(values.length / 4);
  const warm = Math.max(...values.slice(q, values.length - q));
  const late = Math.max(...values.slice(values.length - q));
  return late <= Math.max(FLAT_FLOOR, warm) * (1 + FLAT_MARGIN);
}

/** Samples of the curve table. */
const CURVE_POINTS = 11;

/** The first round's curves side by side, at up to {@link CURVE_POINTS} evenly spaced samples. */
function curve(runs: readonly SoakRun[]): string[] {
  const on = runs.find((r) => r.round === 0 && r.trimming);
  const off = runs.find((r) => r.round === 0 && !r.trimming);
  if (on === undefined || off === undefined) return [];
  const last = Math.min(on.samples.length, off.samples.length) - 1;
  const picks = [...new Set(Array.from({ length: CURVE_POINTS }, (_, i) => Math.round((i * last) / (CURVE_POINTS - 1))))];
  const lines = ['Round 1 through the run: the topic\'s length and `used_memory` (MB) with trimming on and off.', '',
    '| requests | topic, on | topic, off | used_memory, on | used_memory, off |', '|---|---|---|---|---|'];
  for (const i of picks) {
    const [a, b] = [on.samples[i]!, off.samples[i]!];
    lines.push(`| ${int(a.requests)} | ${int(soakTopicLength(a))} | ${int(soakTopicLength(b))} | ${(a.usedMemory / 1e6).toFixed(1)} | ${(b.usedMemory / 1e6).toFixed(1)} |`);
  }
  return lines;
}

function yes(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** The length of the run's topic in a sample (the only stream named `bench-soak…`). */
function soakTopicLength(sample: SoakSample): number {
  return Math.max(0, ...Object.entries(sample.lengths).filter(([k]) => k.startsWith('bench-soak')).map(([, n]) => n));
}

/** CPU used so far by redis-server, this process and the gateway, ms. */
async function cpuMs(ctx: BenchContext, gateway: ChildHandle): Promise<{ redis: number; bench: number; gateway: number }> {
  const usage = process.cpuUsage();
  return { redis: await serverCpuMs(ctx.admin), bench: (usage.user + usage.system) / 1_000, gateway: await gateway.cpuMs() };
}

async function sample(ctx: BenchContext, requests: number, startedAt: number): Promise<SoakSample> {
  const lengths: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await ctx.admin.scan(cursor, 'COUNT', 1_000, 'TYPE', 'stream');
    cursor = next;
    for (const key of keys) lengths[key] = await ctx.admin.xlen(key);
  } while (cursor !== '0');
  const info = await ctx.admin.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  return { requests, elapsedMs: performance.now() - startedAt, usedMemory, lengths };
}

async function soakRun(ctx: BenchContext, trimming: boolean, round: number): Promise<SoakRun> {
  const total = ctx.options.soakRequests;
  const topic = uniqueName('bench-soak');
  const engine = await connect(ctx.url);
  const service = new Service(engine, { name: topic, topic, concurrency: ctx.options.rrWorkerConcurrency, announce: false, ...(trimming ? {} : { trimIntervalMs: 0 }) })
    .handle(GATEWAY_HELLO_TYPE, () => HELLO_REPLY)
    .handle(GATEWAY_TYPE, (request: HttpRequest) => request.body);
  const children: ChildHandle[] = [];
  try {
    await service.start();
    const gateway = await startServer(ctx, HTTP_SERVER, ['gateway', ctx.url, topic], 'gateway', (c) => children.push(c));
    const call = echoCall(JSON.stringify(makePayload(0, ctx.options.payloadBytes)));
    const chunk = Math.min(CHUNK, Math.ceil(total / 8));
    // Untimed: the fresh gateway, and on the first run this process, compile their hot paths.
    await httpLoad(gateway.ready.port!, call, chunk, ctx.options.httpConnections);
    const startedAt = performance.now();
    const samples: SoakSample[] = [await sample(ctx, 0, startedAt)];
    const cpuBefore = await cpuMs(ctx, gateway);
    let busyMs = 0;
    for (let done = 0; done < total;) {
      const amount = Math.min(chunk, total - done);
      const t0 = performance.now();
      await httpLoad(gateway.ready.port!, call, amount, ctx.options.httpConnections);
      busyMs += performance.now() - t0;
      done += amount;
      samples.push(await sample(ctx, done, startedAt));
    }
    const cpuAfter = await cpuMs(ctx, gateway);
    const topicLengths = samples.map((s) => s.lengths[topic] ?? 0);
    const { trimPasses, trimmed } = service.stats();
    return {
      trimming,
      round,
      requests: total,
      reqPerSec: total / (busyMs / 1_000),
      cpuUsPerRequest: {
        'redis-server': ((cpuAfter.redis - cpuBefore.redis) * 1_000) / total,
        'bench (service)': ((cpuAfter.bench - cpuBefore.bench) * 1_000) / total,
        gateway: ((cpuAfter.gateway - cpuBefore.gateway) * 1_000) / total,
      },
      samples,
      trimPasses,
      trimmed,
      flat: {
        topic: flat(topicLengths),
        streams: [...new Set(samples.flatMap((s) => Object.keys(s.lengths)))].every((key) => flat(samples.map((s) => s.lengths[key] ?? 0))),
        memory: flat(samples.map((s) => s.usedMemory)),
      },
    };
  } finally {
    await stopAll(children);
    await service.drain();
    await engine.deleteStreams([topic, `${topic}:dlq`]).catch(() => undefined);
    await engine.close();
  }
}

export const soakScenario: Scenario<SoakResult> = {
  name: 'soak',
  async run(ctx) {
    const runs: SoakRun[] = [];
    for (let round = 0; round < ctx.options.soakRounds; round++) {
      for (const trimming of round % 2 === 0 ? [true, false] : [false, true]) runs.push(await soakRun(ctx, trimming, round));
    }
    return { runs };
  },
  markdown(result) {
    const lines = ['### soak', '', `Requests through the gateway to one service member, sampled after every chunk of up to ${int(CHUNK)} requests (curves in the results JSON); runs in the order made.`, '',
      '| round | topic trimming | requests | req/s | CPU µs/request: redis-server, bench (service), gateway | topic length, last sample (largest) | used_memory, last sample (largest) | trim passes, entries trimmed | flat after warm-up |', '|---|---|---|---|---|---|---|---|---|'];
    for (const run of result.runs) {
      const topicLengths = run.samples.map((s) => soakTopicLength(s));
      const memory = run.samples.map((s) => s.usedMemory);
      lines.push(`| ${run.round + 1} | ${run.trimming ? 'on' : 'off'} | ${int(run.requests)} | ${int(run.reqPerSec)} | ${Object.values(run.cpuUsPerRequest).map((us) => us.toFixed(0)).join(', ')} | ${int(topicLengths.at(-1)!)} (${int(Math.max(...topicLengths))}) | ${int(memory.at(-1)!)} (${int(Math.max(...memory))}) | ${int(run.trimPasses)}, ${int(run.trimmed)} | topic ${yes(run.flat.topic)}, every stream ${yes(run.flat.streams)}, memory ${yes(run.flat.memory)} |`);
    }
    return [...lines, '', ...curve(result.runs), ''];
  },
  chart(result) {
    const bars = [true, false].map((trimming) => {
      const s = spread(result.runs.filter((r) => r.trimming === trimming).map((r) => r.reqPerSec));
      return { label: `trimming ${trimming ? 'on' : 'off'}`, ours: trimming, value: s.median, min: s.min, max: s.max };
    });
    return [{ title: 'soak: gateway → service, topic trimming on and off', unit: 'req/s', bars } satisfies ChartGroup];
  },
  verdicts(result) {
    const on = result.runs.filter((r) => r.trimming);
    const median = (trimming: boolean): number => spread(result.runs.filter((r) => r.trimming === trimming).map((r) => r.reqPerSec)).median;
    const ratio = median(true) / median(false);
    const flatRuns = on.every((r) => r.flat.streams && r.flat.memory);
    const verdict: Verdict = { side: 'trimming on', baseline: 'trimming off', metric: 'ratio', value: ratio, target: SOAK_THROUGHPUT_TARGET, meetsTarget: ratio >= SOAK_THROUGHPUT_TARGET && flatRuns };
    return [{ name: 'soak: median throughput with trimming on over off, flat streams and memory', verdict }];
  },
};
