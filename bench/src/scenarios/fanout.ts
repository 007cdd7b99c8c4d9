/**
 * `fanout`: one stream delivered to many WebSocket subscribers (1,000 by
 * default) by one server process. The bench process publishes messages with
 * our `Producer` at a modest fixed rate, each carrying its send time; the
 * subscribers (all in one child process, `ws` clients) record receive time
 * minus send time. Ours is the gateway's WebSocket endpoint; the baseline a
 * bare `ws` server relaying the stream from one ioredis `XREAD` loop. Every
 * subscriber must receive every message, in order: a miss aborts the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { connect, Producer, StreamersonError, type Engine } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { startChild, stopAll, type ChildHandle } from '../child.js';
import { dropKeys, type BenchContext } from '../context.js';
import { cpuByProcess, cpuHeading, fixed, int } from '../format.js';
import { compare, type Comparison, type CpuProbe, type Side, type SideResult } from '../measure.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import type { SubscribersReport } from '../workers/ws-subscribers.js';

const FANOUT_SERVER = new URL('../workers/fanout-server.js', import.meta.url);
const WS_SUBSCRIBERS = new URL('../workers/ws-subscribers.js', import.meta.url);

/** Longest wait, after the last message is published, for every subscriber to receive it. */
export const DEFAULT_DELIVERY_GRACE_MS = 10_000;
/** Longest wait for 1,000 WebSocket connections to subscribe. */
export const SUBSCRIBE_TIMEOUT_MS = 60_000;
/** How often the bench asks the subscribers how many events they have. */
const POLL_MS = 20;

/** The servers compared, in run order. */
export const FANOUT_SIDES = Object.freeze({
  ours: { label: 'Streamerson gateway WebSocket', mode: 'gateway', role: 'gateway' },
  relay: { label: 'bare ws server, one ioredis XREAD loop', mode: 'relay', role: 'relay' },
});

/** One measured run of one side, as the subscribers reported it. */
export interface FanoutRun extends SubscribersReport {
  readonly messages: number;
  readonly expected: number;
}

/** Result of the `fanout` scenario. */
export interface FanoutResult {
  readonly subscribers: number;
  readonly messages: number;
  readonly ratePerSec: number;
  readonly payloadBytes: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Throughput figures are the publish rate; latency is delivery latency. */
  readonly comparison: Comparison;
  /** The subscribers' reports of the measured runs, per side. */
  readonly runs: Readonly<Record<string, readonly FanoutRun[]>>;
}

interface FanoutMessage {
  readonly seq: number;
  readonly sentAt: number;
  readonly note: string;
}

/** Publishes `n` messages at `rate` per second; `sentAt` is taken just before each send. */
async function publish(producer: Producer<FanoutMessage>, first: number, n: number, rate: number, note: string): Promise<void> {
  const t0 = performance.now();
  const receipts: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1_000) / rate - performance.now();
    if (wait >= 1) await sleep(wait);
    receipts.push(producer.send({ seq: first + i, sentAt: performance.timeOrigin + performance.now(), note }));
  }
  await Promise.all(receipts);
}

function fanoutSide(ctx: BenchContext, engine: Engine, topic: string, server: ChildHandle, role: string, subscribers: ChildHandle, runs: FanoutRun[]): Side {
  const { fanoutSubscribers: count, fanoutRate: rate, payloadBytes } = ctx.options;
  const producer = new Producer<FanoutMessage>(engine, { topic });
  // Pads the message to about the payload size of the other scenarios.
  const note = 'x'.repeat(Math.max(0, payloadBytes - JSON.stringify({ seq: 100_000, sentAt: Date.now() + 0.123, note: '' }).length));
  const processes: Record<string, CpuProbe> = { [role]: () => server.cpu(), subscribers: () => subscribers.cpu() };
  let seq = 0;
  return async (n) => {
    const expected = n * count;
    const handled0 = await subscribers.handled();
    let run: FanoutRun | undefined;
    return {
      processes,
      run: async () => {
        await publish(producer, seq, n, rate, note);
        seq += n;
        const deadline = performance.now() + DEFAULT_DELIVERY_GRACE_MS;
        while ((await subscribers.handled()) - handled0 < expected && performance.now() < deadline) await sleep(POLL_MS);
        const report = (await subscribers.report()) as SubscribersReport;
        run = { messages: n, expected, ...report };
        runs.push(run);
        if (report.received !== expected || report.perSubscriberMin !== n || report.outOfOrder > 0 || report.closed > 0 || report.unexpected > 0) {
          // A subscriber that missed a message must not post a latency figure.
          throw new StreamersonError(
            'ERR_STREAMERSON_ENGINE',
            `fanout ${role}: ${report.received} of ${expected} events delivered (per subscriber ${report.perSubscriberMin}–${report.perSubscriberMax} of ${n}), ${report.outOfOrder} out of order, ${report.closed} connections closed, ${report.unexpected} unexpected frames`,
          );
        }
        return { processed: n, latencyMs: { p50: report.p50Ms, p99: report.p99Ms } };
      },
      verifyAndCleanup: async () => run?.perSubscriberMin ?? 0,
    };
  };
}

/** Runs the gateway and the bare relay, each to `fanoutSubscribers` subscribers. */
export async function runFanout(ctx: BenchContext): Promise<FanoutResult> {
  const { fanoutSubscribers: subscribers, fanoutMessages: n, fanoutRate: ratePerSec, longRunRounds: rounds, payloadBytes } = ctx.options;
  const engine = await connect(ctx.url);
  const children: ChildHandle[] = [];
  const topics: string[] = [];
  try {
    const sides: Record<string, Side> = {};
    const labels: Record<string, string> = {};
    const runs: Record<string, FanoutRun[]> = {};
    for (const [key, { label, mode, role }] of Object.entries(FANOUT_SIDES)) {
      const topic = uniqueName('bench-fanout');
      topics.push(topic);
      const server = await startChild(FANOUT_SERVER, mode === 'gateway' ? ['gateway', ctx.url] : ['relay', ctx.url, topic]);
      children.push(server);
      const subs = await startChild(WS_SUBSCRIBERS, [String(server.ready.port), topic, String(subscribers)], SUBSCRIBE_TIMEOUT_MS);
      children.push(subs);
      runs[key] = [];
      labels[key] = label;
      sides[key] = fanoutSide(ctx, engine, topic, server, role, subs, runs[key]);
    }
    const comparison = await compare(ctx, sides, { n, warmupN: Math.max(10, Math.round(n / 10)), rounds });
    const measured: Record<string, FanoutRun[]> = {};
    for (const [key, list] of Object.entries(runs)) measured[key] = list.slice(-rounds);
    return { subscribers, messages: n, ratePerSec, payloadBytes, labels, comparison, runs: measured };
  } finally {
    await stopAll(children);
    await dropKeys(ctx.admin, topics).catch(() => undefined);
    await engine.close();
  }
}

function spreadMs(side: SideResult, which: 'p50' | 'p99'): string {
  const s = side.latencyMs?.[which];
  return s === undefined ? '–' : `${fixed(s.median, 2)} (${fixed(s.min, 2)}–${fixed(s.max, 2)})`;
}

/** The `fanout` scenario: delivery latency and delivered fraction per side, no target. */
export const fanoutScenario: Scenario<FanoutResult> = {
  name: 'fanout',
  run: runFanout,
  markdown: (r) => {
    const c = r.comparison;
    return [
      `**fan-out** — one stream to ${int(r.subscribers)} WebSocket subscribers (\`ws\` clients in one process) of one server process; ${int(r.messages)} messages of ~${r.payloadBytes} B per run published with our \`Producer\` at ${int(r.ratePerSec)}/s, each carrying its send time; latency = receive − send, over every event of every subscriber. Every subscriber must get every message in order, else the run aborts. ${c.rounds} runs per side alternating after a warm-up of ${int(c.warmupN)} messages.`,
      '',
      `| side | delivered | p50 ms median (min–max) | p99 ms median (min–max) | max ms (worst run) | ${cpuHeading('delivered event')} |`,
      '|---|---|---|---|---|---|',
      ...Object.entries(c.sides).map(([key, side]) => {
        const runs = r.runs[key] ?? [];
        const received = runs.reduce((a, x) => a + x.received, 0);
        const expected = runs.reduce((a, x) => a + x.expected, 0);
        const maxMs = Math.max(...runs.map((x) => x.maxMs));
        const cpu = cpuByProcess(side, r.subscribers, 2);
        return `| ${r.labels[key] ?? key} | ${fixed((received / expected) * 100, 1)} % (${int(received)} of ${int(expected)}) | ${spreadMs(side, 'p50')} | ${spreadMs(side, 'p99')} | ${fixed(maxMs, 1)} | ${cpu} |`;
      }),
      '',
    ];
  },
  chart: (r): ChartGroup[] => [
    {
      title: `fan-out to ${int(r.subscribers)} WebSocket subscribers`,
      measure: 'p50 delivery latency; shorter is better',
      unit: 'ms',
      bars: Object.entries(r.comparison.sides).map(([key, side]) => ({
        label: r.labels[key] ?? key,
        ours: key === 'ours',
        value: side.latencyMs?.p50.median ?? 0,
        min: side.latencyMs?.p50.min ?? 0,
        max: side.latencyMs?.p50.max ?? 0,
        ...(side.latencyMs === undefined ? {} : { p99Ms: side.latencyMs.p99.median }),
      })),
    },
  ],
  verdicts: () => [],
};
