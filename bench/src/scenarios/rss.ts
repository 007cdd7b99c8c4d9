/**
 * `rss`: resident memory of our processes. First the gateway path of the
 * `http` scenario (gateway and `Service` worker, each its own process): RSS
 * at idle, its peak under the `http` load (sampled every `rssSampleMs`), and
 * after the load. Then a deliberately slow group `Consumer` (default
 * `prefetch`) and a slow `Service` (concurrency 1), each handling one message
 * at a time, `slowHandlerMs` each, while the bench
 * appends `slowOverload` × faster than the handler's nominal rate for
 * `slowConsumerMs`: its RSS, sampled every `slowSampleMs`, must stay flat
 * (max − start below {@link SLOW_RSS_GROWTH_TARGET_MB}); a miss is reported,
 * not fatal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { connect, Producer } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { startChild, stopAll, type ChildHandle } from '../child.js';
import { dropKeys, type BenchContext } from '../context.js';
import { fixed, int, mark } from '../format.js';
import { echoCall } from '../http-calls.js';
import { httpLoad } from '../http-load.js';
import type { Verdict } from '../measure.js';
import { makePayload, makePayloads, type BenchPayload } from '../payload.js';
import { SLOW_TYPE } from '../workers/slow-protocol.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import { spread, type Spread } from '../stats.js';
import { HTTP_TARGETS } from './http.js';

const SLOW_CONSUMER = new URL('../workers/slow-consumer.js', import.meta.url);

/** Largest acceptable growth of the slow consumer's RSS over its start, MB. */
export const SLOW_RSS_GROWTH_TARGET_MB = 50;
/** Messages the producer sends per tick while overloading the slow consumer. */
const PRODUCE_TICK_MS = 10;
const MB = 2 ** 20;
const SEND_OPTIONS = Object.freeze({ type: SLOW_TYPE });

/** RSS of one process of the gateway path, MB. */
export interface ProcessRss {
  readonly idleMB: number;
  /** The largest sample of each load run, over the runs. */
  readonly loadPeakMB: Spread;
  readonly afterMB: number;
}

/** The slow consumers measured, in run order, by kind (the `slow-consumer` worker's mode). */
export const SLOW_CONSUMERS = Object.freeze({
  consumer: 'group `Consumer` (default prefetch, autoAck, `for await`)',
  service: '`Service` (concurrency 1)',
});

/** One slow consumer's run. */
export interface SlowConsumerRss {
  readonly kind: keyof typeof SLOW_CONSUMERS;
  readonly handlerMs: number;
  /** The producer's rate over the handler's nominal rate. */
  readonly overload: number;
  readonly sampleMs: number;
  readonly durationMs: number;
  readonly produced: number;
  readonly processed: number;
  /** Messages appended per second, and processed per second. */
  readonly producedPerSec: number;
  readonly processedPerSec: number;
  /** RSS samples, MB, first at the start and last at the end. */
  readonly samplesMB: readonly number[];
  /** V8 heap in use at the same moments, MB: what the process holds, garbage collected or not yet. */
  readonly heapSamplesMB: readonly number[];
  readonly startMB: number;
  readonly endMB: number;
  readonly maxMB: number;
  readonly verdict: Verdict;
}

/** Result of the `rss` scenario. */
export interface RssResult {
  readonly requests: number;
  readonly connections: number;
  readonly runs: number;
  readonly idleMs: number;
  readonly sampleMs: number;
  /** req/s of the load runs. */
  readonly reqPerSec: Spread;
  readonly processes: Readonly<Record<string, ProcessRss>>;
  readonly slow: readonly SlowConsumerRss[];
}

async function sampleAll(children: Readonly<Record<string, ChildHandle>>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [role, c] of Object.entries(children)) out[role] = (await c.rssBytes()) / MB;
  return out;
}

/** Calls `sample` every `everyMs` until the returned stop function is called; resolves with nothing, errors surface on stop. */
function sampler(sample: () => Promise<void>, everyMs: number): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample();
      await sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function gatewayRss(ctx: BenchContext): Promise<Omit<RssResult, 'slow'>> {
  const { httpRequests: requests, httpConnections: connections, longRunRounds: runs, payloadBytes, rssIdleMs, rssSampleMs } = ctx.options;
  const call = echoCall(JSON.stringify(makePayload(0, payloadBytes)));
  const children: ChildHandle[] = [];
  try {
    const target = await HTTP_TARGETS['ours']!.start(ctx, (c) => children.push(c));
    await sleep(rssIdleMs);
    const idle = await sampleAll(target.processes);
    const peaks: Record<string, number[]> = {};
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) {
      const peak: Record<string, number> = {};
      const stop = sampler(async () => {
        for (const [role, mb] of Object.entries(await sampleAll(target.processes))) peak[role] = Math.max(peak[role] ?? 0, mb);
      }, rssSampleMs);
      const t0 = performance.now();
      const outcome = await httpLoad(target.port, call, requests, connections);
      rates.push((outcome.processed / (performance.now() - t0)) * 1_000);
      await stop();
      for (const [role, mb] of Object.entries(await sampleAll(target.processes))) (peaks[role] ??= []).push(Math.max(peak[role] ?? 0, mb));
    }
    await sleep(rssIdleMs);
    const after = await sampleAll(target.processes);
    const processes: Record<string, ProcessRss> = {};
    for (const role of Object.keys(target.processes)) processes[role] = { idleMB: idle[role]!, loadPeakMB: spread(peaks[role] ?? []), afterMB: after[role]! };
    return { requests, connections, runs, idleMs: rssIdleMs, sampleMs: rssSampleMs, reqPerSec: spread(rates), processes };
  } finally {
    await stopAll(children);
  }
}

async function slowConsumerRss(ctx: BenchContext, kind: keyof typeof SLOW_CONSUMERS): Promise<SlowConsumerRss> {
  const { slowConsumerMs: durationMs, slowHandlerMs: handlerMs, slowOverload, slowSampleMs, payloadBytes, batchSize } = ctx.options;
  const topic = uniqueName('bench-slow');
  const engine = await connect(ctx.url);
  let child: ChildHandle | undefined;
  try {
    child = await startChild(SLOW_CONSUMER, [kind, ctx.url, topic, String(handlerMs)]);
    const consumer = child;
    const producer = new Producer<BenchPayload>(engine, { topic, maxBatch: batchSize });
    const rate = (slowOverload * 1_000) / handlerMs;
    const perTick = Math.max(1, Math.round((rate * PRODUCE_TICK_MS) / 1_000));
    const payloads = makePayloads(perTick, payloadBytes);
    const samplesMB: number[] = [];
    const heapSamplesMB: number[] = [];
    const sample = async (): Promise<void> => {
      const { rssBytes, heapUsedBytes } = await consumer.memory();
      samplesMB.push(rssBytes / MB);
      heapSamplesMB.push(heapUsedBytes / MB);
    };
    await sample();
    const processed0 = await consumer.handled();
    const t0 = performance.now();
    const stop = sampler(async () => {
      if (performance.now() - t0 >= slowSampleMs / 2) await sample();
    }, slowSampleMs);
    let produced = 0;
    for (let tick = 0; performance.now() - t0 < durationMs; tick++) {
      const wait = t0 + tick * PRODUCE_TICK_MS - performance.now();
      if (wait >= 1) await sleep(wait);
      await Promise.all(payloads.map((p) => producer.send(p, SEND_OPTIONS)));
      produced += payloads.length;
    }
    const elapsed = performance.now() - t0;
    await stop();
    const processed = (await consumer.handled()) - processed0;
    await sample();
    await producer.close();
    const startMB = samplesMB[0]!;
    const maxMB = Math.max(...samplesMB);
    const growth = maxMB - startMB;
    return {
      kind,
      handlerMs,
      overload: slowOverload,
      sampleMs: slowSampleMs,
      durationMs: elapsed,
      produced,
      processed,
      producedPerSec: (produced / elapsed) * 1_000,
      processedPerSec: (processed / elapsed) * 1_000,
      samplesMB,
      heapSamplesMB,
      startMB,
      endMB: samplesMB[samplesMB.length - 1]!,
      maxMB,
      verdict: {
        side: 'ours',
        baseline: 'start',
        metric: 'rssGrowthMB',
        value: growth,
        target: SLOW_RSS_GROWTH_TARGET_MB,
        meetsTarget: growth < SLOW_RSS_GROWTH_TARGET_MB,
      },
    };
  } finally {
    await stopAll([child]);
    await dropKeys(ctx.admin, [topic]).catch(() => undefined);
    await engine.close();
  }
}

/** Measures the gateway path's RSS, then each slow consumer's. */
export async function runRss(ctx: BenchContext): Promise<RssResult> {
  const gateway = await gatewayRss(ctx);
  const slow: SlowConsumerRss[] = [];
  for (const kind of Object.keys(SLOW_CONSUMERS) as (keyof typeof SLOW_CONSUMERS)[]) slow.push(await slowConsumerRss(ctx, kind));
  return { ...gateway, slow };
}

const mb = (x: number): string => fixed(x, 1);

/** The `rss` scenario: two tables, one chart group, the slow consumer's verdict. */
export const rssScenario: Scenario<RssResult> = {
  name: 'rss',
  run: runRss,
  markdown: (r) => {
    const first = r.slow[0]!;
    return [
      `**rss (gateway path)** — our gateway and \`Service\` worker processes of the HTTP path: RSS after ${fixed(r.idleMs / 1_000, 1)} s idle, its largest sample (every ${int(r.sampleMs)} ms) in each of ${r.runs} runs of the HTTP load (autocannon, ${int(r.connections)} connections, ${int(r.requests)} requests, ${int(r.reqPerSec.median)} req/s median), and after the load.`,
      '',
      '| process | idle MB | under load: peak MB median (min–max) | after load MB |',
      '|---|---|---|---|',
      ...Object.entries(r.processes).map(
        ([role, p]) => `| ${role} | ${mb(p.idleMB)} | ${mb(p.loadPeakMB.median)} (${mb(p.loadPeakMB.min)}–${mb(p.loadPeakMB.max)}) | ${mb(p.afterMB)} |`,
      ),
      '',
      `**rss (slow consumer)** — a consumer in its own process handles one message at a time, ${first.handlerMs} ms each (a timer), while the bench appends ~100 B messages ${first.overload} × faster than that nominal rate (${int((first.overload * 1_000) / first.handlerMs)}/s) for ${fixed(first.durationMs / 1_000, 1)} s; RSS and V8 heap used sampled every ${int(first.sampleMs)} ms from before the first message.`,
      '',
      '| consumer | appended/s | processed/s | backlog at end | RSS start MB | end MB | max MB | max − start | target |',
      '|---|---|---|---|---|---|---|---|---|',
      ...r.slow.map(
        (s) =>
          `| ${SLOW_CONSUMERS[s.kind]} | ${int(s.producedPerSec)} | ${int(s.processedPerSec)} | ${int(s.produced - s.processed)} | ${mb(s.startMB)} | ${mb(s.endMB)} | ${mb(s.maxMB)} | ${s.maxMB - s.startMB >= 0 ? '+' : ''}${mb(s.maxMB - s.startMB)} | < ${s.verdict.target} MB ${mark(s.verdict.meetsTarget)} |`,
      ),
      '',
      ...r.slow.map((s) => `Samples, MB, ${s.kind} — RSS: ${s.samplesMB.map(mb).join(', ')}; V8 heap used: ${s.heapSamplesMB.map(mb).join(', ')}.`),
      '',
    ];
  },
  chart: (r): ChartGroup[] => {
    const bar = (label: string, value: number, min = value, max = value): ChartGroup['bars'][number] => ({ label, ours: true, value, min, max });
    return [
      {
        title: 'rss: resident memory of our processes',
        measure: 'MB; shorter is better',
        unit: 'MB',
        bars: [
          ...Object.entries(r.processes).flatMap(([role, p]) => [
            bar(`${role}, idle`, p.idleMB),
            bar(`${role}, peak under HTTP load`, p.loadPeakMB.median, p.loadPeakMB.min, p.loadPeakMB.max),
          ]),
          ...r.slow.flatMap((s) => [bar(`slow ${s.kind} at start`, s.startMB), bar(`slow ${s.kind}, max under ${s.overload}× overload`, s.maxMB)]),
        ],
      },
    ];
  },
  verdicts: (r) => r.slow.map((s) => ({ name: `slow ${s.kind} RSS at ${s.overload}× overload`, verdict: s.verdict })),
};
