/**
 * `scale`: our gateway path of the `http` scenario (the same autocannon load,
 * body and connection count) with 1, 2 and 4 `Service` worker processes —
 * members of one consumer group with distinct consumer names — and with the
 * topic in 1 and 4 shards (the route's and the services' `shards` option).
 * Every configuration runs at once and the runs alternate, as in every
 * comparison; there is no target: on a small machine the curve is what it is.
 */
import { uniqueName } from '@streamerson/testkit';
import { startChild, stopAll, type ChildHandle } from '../child.js';
import type { BenchContext } from '../context.js';
import { fixed, int } from '../format.js';
import { compare, type Comparison, type Side, type SideResult } from '../measure.js';
import { echoCall } from '../http-calls.js';
import { makePayload } from '../payload.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import { httpSide } from './http.js';

const HTTP_SERVER = new URL('../workers/http-server.js', import.meta.url);
const RR_WORKER = new URL('../workers/rr-worker.js', import.meta.url);

/** One configuration of the gateway path. */
export interface ScaleConfig {
  readonly workers: number;
  readonly shards: number;
}

/** Result of the `scale` scenario: one side per configuration, keyed `w<workers>-s<shards>`. */
export interface ScaleResult {
  readonly connections: number;
  readonly payloadBytes: number;
  readonly configs: Readonly<Record<string, ScaleConfig>>;
  readonly comparison: Comparison;
}

/** The key of a configuration among the comparison's sides. */
export function scaleKey(config: ScaleConfig): string {
  return `w${config.workers}-s${config.shards}`;
}

function label(config: ScaleConfig): string {
  return `${config.workers} worker${config.workers === 1 ? '' : 's'}, ${config.shards} shard${config.shards === 1 ? '' : 's'}`;
}

/** Starts the gateway and `config.workers` workers of one configuration; `started` hears of each process. */
async function startConfig(ctx: BenchContext, config: ScaleConfig, started: (c: ChildHandle) => void): Promise<{ port: number; processes: Record<string, ChildHandle>; workers: ChildHandle[] }> {
  const topic = uniqueName('bench-scale');
  const concurrency = String(ctx.options.rrWorkerConcurrency);
  const workers = await Promise.all(
    Array.from({ length: config.workers }, async (_, i) => {
      const c = await startChild(RR_WORKER, ['ours', ctx.url, topic, concurrency, `w${i + 1}`, String(config.shards)]);
      started(c);
      return c;
    }),
  );
  const gateway = await startChild(HTTP_SERVER, ['gateway', ctx.url, topic, String(config.shards)]);
  started(gateway);
  const processes: Record<string, ChildHandle> = { gateway };
  workers.forEach((w, i) => (processes[`worker ${i + 1}`] = w));
  return { port: gateway.ready.port!, processes, workers };
}

/** Runs every configuration of workers × shards under the `http` scenario's load. */
export async function runScale(ctx: BenchContext): Promise<ScaleResult> {
  const { scaleRequests: n, scaleWorkers, scaleShards, httpConnections: connections, longRunRounds: rounds, payloadBytes } = ctx.options;
  const call = echoCall(JSON.stringify(makePayload(0, payloadBytes)));
  const children: ChildHandle[] = [];
  try {
    const configs: Record<string, ScaleConfig> = {};
    const sides: Record<string, Side> = {};
    for (const shards of scaleShards) {
      for (const workers of scaleWorkers) {
        const config = { workers, shards };
        const running = await startConfig(ctx, config, (c) => children.push(c));
        const handled = async (): Promise<number> => (await Promise.all(running.workers.map((w) => w.handled()))).reduce((a, b) => a + b, 0);
        configs[scaleKey(config)] = config;
        sides[scaleKey(config)] = httpSide(running.port, running.processes, handled, call, connections);
      }
    }
    const comparison = await compare(ctx, sides, { n, warmupN: Math.max(connections, Math.round(n / 10)), rounds });
    return { connections, payloadBytes, configs, comparison };
  } finally {
    await stopAll(children);
  }
}

function cpu(side: SideResult): string {
  return Object.entries(side.cpuUsPerMsg)
    .map(([process, us]) => `${process} ${fixed(us, 1)}`)
    .join(' · ');
}

/** The `scale` scenario: one table and one chart group, no target. */
export const scaleScenario: Scenario<ScaleResult> = {
  name: 'scale',
  run: runScale,
  markdown: (r) => {
    const c = r.comparison;
    const keys = Object.keys(c.sides);
    const base = c.sides[keys[0]!]!.msgsPerSec.median;
    return [
      `**scale** — the HTTP path's gateway (autocannon, ${int(r.connections)} connections, POST /echo, ~${r.payloadBytes} B JSON echoed) in front of 1 to ${Math.max(...Object.values(r.configs).map((x) => x.workers))} \`Service\` worker processes of one consumer group, the topic in 1 or more shards; every configuration runs at once, runs alternate. No target: everything shares the machine's cores. N = ${int(c.n)} per run, ${c.rounds} runs per configuration after a warm-up of ${int(c.warmupN)}.`,
      '',
      `| workers | shards | req/s median (min–max) | × ${label(r.configs[keys[0]!]!)} | p50 ms | p99 ms | CPU µs per request, by process |`,
      '|---|---|---|---|---|---|---|',
      ...keys.map((key) => {
        const side = c.sides[key]!;
        const config = r.configs[key]!;
        const { median, min, max } = side.msgsPerSec;
        const l = side.latencyMs;
        return `| ${config.workers} | ${config.shards} | ${int(median)} (${int(min)}–${int(max)}) | ${fixed(median / base)} | ${l === undefined ? '– | –' : `${fixed(l.p50.median, 3)} | ${fixed(l.p99.median, 3)}`} | ${cpu(side)} |`;
      }),
      '',
    ];
  },
  chart: (r): ChartGroup[] => [
    {
      title: 'scale: gateway path by workers × shards',
      unit: 'req/s',
      bars: Object.entries(r.comparison.sides).map(([key, side]) => ({
        label: label(r.configs[key]!),
        ours: true,
        value: side.msgsPerSec.median,
        min: side.msgsPerSec.min,
        max: side.msgsPerSec.max,
        ...(side.latencyMs === undefined ? {} : { p99Ms: side.latencyMs.p99.median }),
      })),
    },
  ],
  verdicts: () => [],
};
