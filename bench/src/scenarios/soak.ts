/**
 * `soak`: does a service left running stay bounded? `soakRequests`
 * (`--soak-requests`) `POST /echo` requests per side through our gateway (its
 * own process) to a `Service` member (in this process), under the `http` load
 * (`httpConnections`), with topic trimming on (the service's default
 * `trimIntervalMs`) and off (`trimIntervalMs` 0). Each side has a
 * redis-server of its own (so that `used_memory` is its own), and the two
 * run at once, in chunks of {@link CHUNK} (an eighth of the run when that is
 * less) in turn — on, off; off, on; … — after an untimed chunk each, so that
 * a shared machine's drift, which moves throughput severalfold within
 * minutes, hits both sides alike; `soakRounds` rounds, each on fresh servers.
 * After every chunk, the length of every stream on each server and its
 * `used_memory` are sampled; the samples are the result's curves (in the
 * results JSON, for charting). Flat after warm-up: the largest length of each
 * stream and the largest `used_memory` in the last quarter of the samples are
 * at most {@link FLAT_MARGIN} over those of the middle half (a trimmed topic
 * is a saw tooth, one tooth per `trimIntervalMs`: a window of a few teeth
 * sees its full height). A stream trimmed once per interval holds an
 * interval's worth of traffic, so its teeth are as tall as the throughput
 * of the chunk before them: a stream's lengths also count as flat when they
 * are, each scaled to the run's median throughput (see {@link flat}).
 * Throughput with trimming on must be at least {@link SOAK_THROUGHPUT_TARGET}
 * × that with it off, the median of the rounds' ratios (`paired`).
 */
import { performance } from 'node:perf_hooks';
import { connect } from '@streamerson/core';
import type { HttpRequest } from '@streamerson/gateway';
import { Service } from '@streamerson/service';
import { startRedis, uniqueName } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { startServer, type ChildHandle } from '../child.js';
import { BENCH_SERVER_ARGS, rawConnection, serverCpu, type BenchContext } from '../context.js';
import { fromCpuUsage, totalMs } from '../cpu-time.js';
import { int } from '../format.js';
import { echoCall, HELLO_REPLY } from '../http-calls.js';
import { httpLoad } from '../http-load.js';
import { paired, type Verdict } from '../measure.js';
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
  /** Time this side has spent under load so far, ms. */
  readonly busyMs: number;
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

/** Whether the largest of `values` in the last quarter is within {@link FLAT_MARGIN} of the middle half's (at least {@link FLAT_FLOOR}). */
function flatPeaks(values: readonly number[]): boolean {
  if (values.length < 4) return true;
  const q = Math.floor(values.length / 4);
  const warm = Math.max(...values.slice(q, values.length - q));
  const late = Math.max(...values.slice(values.length - q));
  return late <= Math.max(FLAT_FLOOR, warm) * (1 + FLAT_MARGIN);
}

/**
 * Whether `values` (one per sample) stay flat after warm-up: their peaks
 * do ({@link flatPeaks}) or, given `rates` (the throughput of the chunk
 * before each sample), they do once each is scaled by the run's median rate
 * over its own. A stream trimmed every so often holds what arrived since
 * the last trim, so a late chunk that ran faster raises its teeth without
 * it growing. Scaling explains growth only as far as the throughput grew
 * over the run's median, so a stream that keeps growing is caught in both.
 */
export function flat(values: readonly number[], rates?: readonly number[]): boolean {
  if (flatPeaks(values)) return true;
  if (rates === undefined) return false;
  const typical = spread(rates.filter((r) => r > 0)).median;
  return flatPeaks(values.map((v, i) => (rates[i]! > 0 ? (v * typical) / rates[i]! : v)));
}

/** The throughput of the chunk before each sample, requests per second of load; 0 for the first. */
export function chunkRates(samples: readonly SoakSample[]): number[] {
  return samples.map((s, i) => {
    const before = samples[i - 1];
    if (before === undefined || s.busyMs <= before.busyMs) return 0;
    return ((s.requests - before.requests) * 1_000) / (s.busyMs - before.busyMs);
  });
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
  const lines = [
    "Round 1 through the run: the topic's length and `used_memory` (MB) with trimming on and off.",
    '',
    '| requests | topic, on | topic, off | used_memory, on | used_memory, off |',
    '|---|---|---|---|---|',
  ];
  for (const i of picks) {
    const [a, b] = [on.samples[i]!, off.samples[i]!];
    lines.push(
      `| ${int(a.requests)} | ${int(soakTopicLength(a))} | ${int(soakTopicLength(b))} | ${(a.usedMemory / 1e6).toFixed(1)} | ${(b.usedMemory / 1e6).toFixed(1)} |`,
    );
  }
  return lines;
}

function yes(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** The length of the run's topic in a sample (the only stream named `bench-soak…`). */
function soakTopicLength(sample: SoakSample): number {
  return Math.max(
    0,
    ...Object.entries(sample.lengths)
      .filter(([k]) => k.startsWith('bench-soak'))
      .map(([, n]) => n),
  );
}

/** One side of a round: its own redis-server, `Service` member and gateway. */
interface Side {
  readonly trimming: boolean;
  readonly topic: string;
  readonly admin: Redis;
  readonly service: Service;
  readonly gateway: ChildHandle;
  readonly samples: SoakSample[];
  /** Time under load and CPU of this process during this side's chunks, ms. */
  busyMs: number;
  benchCpuMs: number;
}

/** Starts a side; `release` hears of everything to stop, in order, as soon as it exists. */
async function openSide(ctx: BenchContext, trimming: boolean, release: (stop: () => Promise<unknown>) => void): Promise<Side> {
  const server = await startRedis({ args: BENCH_SERVER_ARGS });
  release(() => server.stop());
  const admin = rawConnection(server.url);
  release(() => admin.quit().catch(() => undefined));
  const engine = await connect(server.url);
  release(() => engine.close());
  const topic = uniqueName('bench-soak');
  const service = new Service(engine, {
    name: topic,
    topic,
    concurrency: ctx.options.rrWorkerConcurrency,
    announce: false,
    ...(trimming ? {} : { trimIntervalMs: 0 }),
  })
    .handle(GATEWAY_HELLO_TYPE, () => HELLO_REPLY)
    .handle(GATEWAY_TYPE, (request: HttpRequest) => request.body);
  await service.start();
  release(() => service.drain());
  let gateway: ChildHandle | undefined;
  await startServer(ctx, HTTP_SERVER, ['gateway', server.url, topic], 'gateway', (c) => {
    gateway = c;
    release(() => c.stop());
  });
  return { trimming, topic, admin, service, gateway: gateway!, samples: [], busyMs: 0, benchCpuMs: 0 };
}

/** CPU this process has used so far, ms. */
function benchCpuMs(): number {
  return totalMs(fromCpuUsage(process.cpuUsage()));
}

async function sample(admin: Redis, requests: number, startedAt: number, busyMs: number): Promise<SoakSample> {
  const lengths: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'COUNT', 1_000, 'TYPE', 'stream');
    cursor = next;
    for (const key of keys) lengths[key] = await admin.xlen(key);
  } while (cursor !== '0');
  const info = await admin.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  return { requests, elapsedMs: performance.now() - startedAt, busyMs, usedMemory, lengths };
}

/** One round: both sides up at once, chunk by chunk in turn (on, off; off, on; …), each sampled after every chunk. */
async function soakRound(ctx: BenchContext, round: number): Promise<SoakRun[]> {
  const total = ctx.options.soakRequests;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const sides: Side[] = [];
    for (const trimming of [true, false]) sides.push(await openSide(ctx, trimming, (stop) => stops.push(stop)));
    const call = echoCall(JSON.stringify(makePayload(0, ctx.options.payloadBytes)));
    const chunk = Math.min(CHUNK, Math.ceil(total / 8));
    // Untimed: the fresh gateways, and on the first round this process, compile their hot paths.
    for (const side of sides) await httpLoad(side.gateway.ready.port!, call, chunk, ctx.options.httpConnections);
    const startedAt = performance.now();
    const before = new Map<Side, { redis: number; gateway: number }>();
    for (const side of sides) {
      side.samples.push(await sample(side.admin, 0, startedAt, 0));
      before.set(side, { redis: totalMs(await serverCpu(side.admin)), gateway: totalMs(await side.gateway.cpu()) });
    }
    for (let done = 0, i = 0; done < total; i++) {
      const amount = Math.min(chunk, total - done);
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        const [t0, cpu0] = [performance.now(), benchCpuMs()];
        await httpLoad(side.gateway.ready.port!, call, amount, ctx.options.httpConnections);
        side.busyMs += performance.now() - t0;
        side.benchCpuMs += benchCpuMs() - cpu0;
      }
      done += amount;
      for (const side of sides) side.samples.push(await sample(side.admin, done, startedAt, side.busyMs));
    }
    const runs: SoakRun[] = [];
    for (const side of sides) {
      const { redis, gateway } = before.get(side)!;
      const rates = chunkRates(side.samples);
      const lengths = (key: string) => side.samples.map((s) => s.lengths[key] ?? 0);
      const { trimPasses, trimmed } = side.service.stats();
      runs.push({
        trimming: side.trimming,
        round,
        requests: total,
        reqPerSec: total / (side.busyMs / 1_000),
        cpuUsPerRequest: {
          'redis-server': ((totalMs(await serverCpu(side.admin)) - redis) * 1_000) / total,
          'bench (service)': (side.benchCpuMs * 1_000) / total,
          gateway: ((totalMs(await side.gateway.cpu()) - gateway) * 1_000) / total,
        },
        samples: side.samples,
        trimPasses,
        trimmed,
        flat: {
          topic: flat(lengths(side.topic), rates),
          streams: [...new Set(side.samples.flatMap((s) => Object.keys(s.lengths)))].every((key) => flat(lengths(key), rates)),
          memory: flat(side.samples.map((s) => s.usedMemory)),
        },
      });
    }
    return runs;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

export const soakScenario: Scenario<SoakResult> = {
  name: 'soak',
  async run(ctx) {
    const runs: SoakRun[] = [];
    for (let round = 0; round < ctx.options.soakRounds; round++) runs.push(...(await soakRound(ctx, round)));
    return { runs };
  },
  markdown(result) {
    const lines = [
      '### soak',
      '',
      `Requests through the gateway to one service member, each side on a redis-server of its own, the sides' chunks of up to ${int(CHUNK)} requests in turn, every stream and used_memory sampled after each (curves in the results JSON).`,
      '',
      '| round | topic trimming | requests | req/s | CPU µs/request: redis-server, bench (service), gateway | topic length, last sample (largest) | used_memory, last sample (largest) | trim passes, entries trimmed | flat after warm-up |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const run of result.runs) {
      const topicLengths = run.samples.map((s) => soakTopicLength(s));
      const memory = run.samples.map((s) => s.usedMemory);
      lines.push(
        `| ${run.round + 1} | ${run.trimming ? 'on' : 'off'} | ${int(run.requests)} | ${int(run.reqPerSec)} | ${Object.values(run.cpuUsPerRequest)
          .map((us) => us.toFixed(0))
          .join(
            ', ',
          )} | ${int(topicLengths.at(-1)!)} (${int(Math.max(...topicLengths))}) | ${int(memory.at(-1)!)} (${int(Math.max(...memory))}) | ${int(run.trimPasses)}, ${int(run.trimmed)} | topic ${yes(run.flat.topic)}, every stream ${yes(run.flat.streams)}, memory ${yes(run.flat.memory)} |`,
      );
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
    // Round by round, as every ratio of the bench: the two sides of a round ran at once, chunk about.
    const { value: ratio, rounds } = paired(
      on,
      result.runs.filter((r) => !r.trimming),
      (run, base) => run.reqPerSec / base.reqPerSec,
    );
    const flatRuns = on.every((r) => r.flat.streams && r.flat.memory);
    const verdict: Verdict = {
      side: 'trimming on',
      baseline: 'trimming off',
      metric: 'ratio',
      value: ratio,
      rounds,
      target: SOAK_THROUGHPUT_TARGET,
      meetsTarget: ratio >= SOAK_THROUGHPUT_TARGET && flatRuns,
    };
    return [{ name: 'soak: median throughput with trimming on over off, flat streams and memory', verdict }];
  },
};
