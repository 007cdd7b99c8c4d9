/**
 * `soak`: does a service left running stay bounded? `STREAMERSON_SOAK_REQUESTS`
 * (default {@link DEFAULT_SOAK_REQUESTS}) `POST /echo` requests through our
 * gateway (its own process) to a `Service` member (in this process), in
 * chunks of {@link CHUNK} (an eighth of the run when that is less) under the
 * `http` load (`httpConnections`), twice:
 * with topic trimming on (the service's default `trimIntervalMs`) and off
 * (`trimIntervalMs` 0). Between chunks, the length of every stream on the
 * server and Redis `used_memory` are sampled; the samples are the result's
 * curves (in the results JSON, for charting). Flat after warm-up: the largest
 * topic length and `used_memory` of the last quarter of the samples are at
 * most {@link FLAT_MARGIN} over those of the second quarter. Throughput with
 * trimming on must be at least {@link SOAK_THROUGHPUT_TARGET} × off.
 */
import { performance } from 'node:perf_hooks';
import { connect } from '@streamerson/core';
import type { HttpRequest } from '@streamerson/gateway';
import { Service } from '@streamerson/service';
import { uniqueName } from '@streamerson/testkit';
import { startServer, stopAll, type ChildHandle } from '../child.js';
import type { BenchContext } from '../context.js';
import { int } from '../format.js';
import { echoCall, HELLO_REPLY } from '../http-calls.js';
import { httpLoad } from '../http-load.js';
import type { Verdict } from '../measure.js';
import { makePayload } from '../payload.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import { GATEWAY_HELLO_TYPE, GATEWAY_TYPE } from '../workers/rr-protocol.js';

const HTTP_SERVER = new URL('../workers/http-server.js', import.meta.url);
/** Requests of a full soak run. */
export const DEFAULT_SOAK_REQUESTS = 1_000_000;
/** Requests between two samples. */
const CHUNK = 10_000;
/** Largest growth of the last quarter's peak over the second quarter's that still counts as flat. */
export const FLAT_MARGIN = 0.1;
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
  readonly requests: number;
  readonly reqPerSec: number;
  readonly samples: readonly SoakSample[];
  /** Whether the topic length and `used_memory` stayed flat after warm-up. */
  readonly flat: { readonly topic: boolean; readonly memory: boolean };
}

export interface SoakResult {
  readonly runs: readonly SoakRun[];
}

/** Requests of a run: the environment's `STREAMERSON_SOAK_REQUESTS` (a smoke run uses a tiny one), else the default. */
function soakRequests(): number {
  const n = Number(process.env['STREAMERSON_SOAK_REQUESTS'] ?? DEFAULT_SOAK_REQUESTS);
  if (!Number.isInteger(n) || n < 1) throw new Error(`STREAMERSON_SOAK_REQUESTS must be a positive integer, got ${process.env['STREAMERSON_SOAK_REQUESTS']}`);
  return n;
}

/** Whether `values` (one per sample) stay within {@link FLAT_MARGIN} of the second quarter's peak in the last quarter. */
function flat(values: readonly number[]): boolean {
  if (values.length < 4) return true;
  const q = Math.floor(values.length / 4);
  const warm = Math.max(...values.slice(q, 2 * q));
  const late = Math.max(...values.slice(values.length - q));
  return late <= Math.max(1, warm) * (1 + FLAT_MARGIN);
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

async function soakRun(ctx: BenchContext, trimming: boolean, total: number): Promise<SoakRun> {
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
    const startedAt = performance.now();
    const samples: SoakSample[] = [await sample(ctx, 0, startedAt)];
    let busyMs = 0;
    const chunk = Math.min(CHUNK, Math.ceil(total / 8));
    for (let done = 0; done < total;) {
      const amount = Math.min(chunk, total - done);
      const t0 = performance.now();
      await httpLoad(gateway.ready.port!, call, amount, ctx.options.httpConnections);
      busyMs += performance.now() - t0;
      done += amount;
      samples.push(await sample(ctx, done, startedAt));
    }
    const topicLengths = samples.map((s) => s.lengths[topic] ?? 0);
    return {
      trimming,
      requests: total,
      reqPerSec: total / (busyMs / 1_000),
      samples,
      flat: { topic: flat(topicLengths), memory: flat(samples.map((s) => s.usedMemory)) },
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
    const total = soakRequests();
    return { runs: [await soakRun(ctx, true, total), await soakRun(ctx, false, total)] };
  },
  markdown(result) {
    const lines = ['### soak', '', `Requests through the gateway to one service member, sampled after every chunk of up to ${int(CHUNK)} requests (curves in the results JSON).`, '',
      '| topic trimming | requests | req/s | topic length, last sample | used_memory, last sample | flat after warm-up |', '|---|---|---|---|---|---|'];
    for (const run of result.runs) {
      const last = run.samples.at(-1)!;
      const topicLength = Math.max(0, ...Object.entries(last.lengths).filter(([k]) => k.startsWith('bench-soak')).map(([, n]) => n));
      lines.push(`| ${run.trimming ? 'on' : 'off'} | ${int(run.requests)} | ${int(run.reqPerSec)} | ${int(topicLength)} | ${int(last.usedMemory)} | topic ${run.flat.topic ? 'yes' : 'no'}, memory ${run.flat.memory ? 'yes' : 'no'} |`);
    }
    return [...lines, ''];
  },
  chart(result) {
    const bars = result.runs.map((run) => ({ label: `trimming ${run.trimming ? 'on' : 'off'}`, ours: run.trimming, value: run.reqPerSec, min: run.reqPerSec, max: run.reqPerSec }));
    return [{ title: 'soak: gateway → service, topic trimming on and off', unit: 'req/s', bars } satisfies ChartGroup];
  },
  verdicts(result) {
    const on = result.runs.find((r) => r.trimming)!;
    const off = result.runs.find((r) => !r.trimming)!;
    const ratio = on.reqPerSec / off.reqPerSec;
    const verdict: Verdict = { side: 'trimming on', baseline: 'trimming off', metric: 'ratio', value: ratio, target: SOAK_THROUGHPUT_TARGET, meetsTarget: ratio >= SOAK_THROUGHPUT_TARGET && on.flat.topic && on.flat.memory };
    return [{ name: 'soak: throughput with trimming on over off, flat streams and memory', verdict }];
  },
};
