/**
 * `scale`: what adding each kind of process buys. Three curves, each a
 * comparison whose sides are configurations (their runs alternate), run on
 * shared cores and, where the machine allows, with every server process in a
 * CPU budget of its own — the mode that stands for a small machine per
 * process, where adding a process adds capacity:
 *
 * - `workers`: the gateway path (`POST /echo`, the `http` scenario's load)
 *   with 1, 2 and 4 `Service` workers whose handler does fixed CPU work per
 *   request (PBKDF2, `scaleWorkIterations`), so that the workers bind; beside
 *   it, as a reference, the same curve of the hand-written path (the `http`
 *   scenario's streams gateway and plain ioredis workers doing the same work),
 *   which shows what the machine lets any code gain;
 * - `gateways`: 1 and 2 gateways, the load spread over both, in front of
 *   `scaleGatewayWorkers` echo workers, so that the gateways bind;
 * - `redis`: request/reply without HTTP — `Client`s in the bench process
 *   are the load generator — against `scaleRedisWorkers` workers,
 *   on the standalone redis-server and on a 3-master Cluster with a budget per
 *   master, the topic in {@link SCALE_REDIS_SHARDS} shards spread evenly
 *   over the masters, so that Redis binds first.
 *
 * Each configuration's processes start before its curve's first run and stop
 * after its last; idle ones are blocked in their reads. A run counts only
 * when the workers' handled counts add up to N. In budget mode each row names
 * the process whose budget binds.
 */
import { REPLY_STREAM_PREFIX, Client } from '@streamerson/service';
import { connect, streamKey, type Engine } from '@streamerson/core';
import { keySlot } from '@streamerson/redis';
import { startRedisCluster, uniqueName, type RedisClusterHandle } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { budgeted, describeMode, enterMode, runModes, type RunMode } from '../budget/modes.js';
import { BINDING_SHARE, binding, busiest, describeUse } from '../budget/use.js';
import { startAll, startServer, stopAll, type ChildHandle } from '../child.js';
import { serverCpu, rawConnection, type BenchContext } from '../context.js';
import { cpuByProcess, cpuHeading, fixed, int } from '../format.js';
import { echoCall } from '../http-calls.js';
import { driveRequests } from '../load.js';
import { compare, pairedRatio, sizeRuns, throughputVerdict, type Comparison, type CpuProbe, type Side, type Verdict } from '../measure.js';
import { makePayload, makePayloads } from '../payload.js';
import type { ChartGroup, Scenario } from '../scenario.js';
import { RR_TYPE } from '../workers/rr-protocol.js';
import { httpSide } from './http.js';

const HTTP_SERVER = new URL('../workers/http-server.js', import.meta.url);
const RR_WORKER = new URL('../workers/rr-worker.js', import.meta.url);

/** Masters of the `redis` curve's Cluster. */
export const SCALE_CLUSTER_MASTERS = 3;
/** Shards of the `redis` curve's topic: two per master. */
export const SCALE_REDIS_SHARDS = 6;
/** `Client`s of the `redis` curve (one reply stream each, one per master on the Cluster). */
export const SCALE_REDIS_CLIENTS = 3;
/** Lowest gain of 2 and of 4 workers over 1, and of 2 gateways over 1, while that kind of process binds. */
export const SCALE_TARGETS = Object.freeze({ workers2: 1.8, workers4: 3.4, gateways2: 1.8 });

/** One configuration of a curve. */
export interface ScaleConfig {
  /** Gateway processes the HTTP load is spread over; 0: request/reply from the bench's `Client`s. */
  readonly gateways: number;
  readonly workers: number;
  /** Whether the workers' handler does CPU work per request. */
  readonly work: boolean;
  /** Whether the engine is a 3-master Cluster (else the bench's redis-server). */
  readonly cluster: boolean;
  /** Whether the path is the hand-written one (streams gateway, plain ioredis workers): the workers curve's reference. */
  readonly handWritten: boolean;
}

/** The kinds of curve. */
export type CurveName = 'workers' | 'gateways' | 'redis';

/** One curve in one mode. */
export interface CurveRun {
  readonly mode: RunMode;
  /** CPU budget per server process, in budget mode. */
  readonly budgetCpus?: number;
  readonly modeLabel: string;
  readonly comparison: Comparison;
}

/** One curve: its configurations (keys of the comparisons' sides) and its runs per mode. */
export interface ScaleCurve {
  readonly name: CurveName;
  readonly configs: Readonly<Record<string, ScaleConfig>>;
  readonly runs: readonly CurveRun[];
}

/** Result of the `scale` scenario. */
export interface ScaleResult {
  readonly connections: number;
  readonly payloadBytes: number;
  readonly workIterations: number;
  /** Requests each worker of the workers curve runs at once. */
  readonly workConcurrency: number;
  /** Least seconds a run of each curve's first configuration lasts (0: runs of `scaleRequests` or `scaleWorkRequests` as given). */
  readonly runSeconds: number;
  readonly curves: readonly ScaleCurve[];
}

/** The key of a configuration among a comparison's sides. */
export function scaleKey(config: ScaleConfig): string {
  return `g${config.gateways}-w${config.workers}${config.cluster ? '-cluster' : ''}${config.handWritten ? '-hand' : ''}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function label(config: ScaleConfig): string {
  const front = config.gateways === 0 ? 'Clients' : plural(config.gateways, config.handWritten ? 'hand-written gateway' : 'gateway');
  const engine = config.cluster ? `${SCALE_CLUSTER_MASTERS}-master Cluster` : 'redis-server';
  return `${front}, ${plural(config.workers, config.handWritten ? 'ioredis worker' : 'worker')}, ${engine}`;
}

/** The configurations of a curve whose path is ours (`handWritten` false) or the hand-written reference, in order. */
function ofPath(curve: ScaleCurve, handWritten: boolean): [key: string, config: ScaleConfig][] {
  return Object.entries(curve.configs).filter(([, config]) => config.handWritten === handWritten);
}

/** The curves of a run: the configurations of each. */
function curves(ctx: BenchContext): { name: CurveName; requests: number; configs: ScaleConfig[] }[] {
  const { scaleWorkers, scaleGateways, scaleGatewayWorkers, scaleRedisWorkers, scaleRequests, scaleWorkRequests } = ctx.options;
  return [
    {
      name: 'workers',
      requests: scaleWorkRequests,
      configs: [false, true].flatMap((handWritten) => scaleWorkers.map((workers) => ({ gateways: 1, workers, work: true, cluster: false, handWritten }))),
    },
    {
      name: 'gateways',
      requests: scaleRequests,
      configs: scaleGateways.map((gateways) => ({ gateways, workers: scaleGatewayWorkers, work: false, cluster: false, handWritten: false })),
    },
    {
      name: 'redis',
      requests: scaleRequests,
      configs: [false, true].map((cluster) => ({ gateways: 0, workers: scaleRedisWorkers, work: false, cluster, handWritten: false })),
    },
  ];
}

/** Which master serves each slot: from `CLUSTER SLOTS`, the index in `cluster.nodes` of the node whose port serves it. */
async function masterOfSlot(cluster: RedisClusterHandle): Promise<(slot: number) => number> {
  const ranges = (await cluster.command('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const ports = cluster.nodes.map((n) => n.port);
  return (slot) => ports.indexOf(Number(ranges.find(([start, end]) => slot >= start && slot <= end)![2][1]));
}

/** Attempts of {@link findName}: an even spread of 6 keys over 3 masters comes about once in about 8 draws. */
const NAME_ATTEMPTS = 10_000;

/** A fresh name with `prefix` that `accept` takes; random names are tried a bounded number of times. */
function findName(prefix: string, accept: (name: string) => boolean): string {
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    const name = uniqueName(prefix);
    if (accept(name)) return name;
  }
  throw new Error(`no name for ${prefix} found in ${NAME_ATTEMPTS} attempts`);
}

/** A configuration's running processes and how to load them. */
interface RunningConfig {
  readonly side: Side;
  /** Releases what the configuration holds besides its child processes (clients, a Cluster). */
  readonly close: () => Promise<void>;
}

async function startWorkers(
  ctx: BenchContext,
  url: string,
  topic: string,
  config: ScaleConfig,
  shards: number,
  started: (c: ChildHandle) => void,
): Promise<ChildHandle[]> {
  const concurrency = String(config.work ? ctx.options.scaleWorkConcurrency : ctx.options.rrWorkerConcurrency);
  const iterations = String(config.work ? ctx.options.scaleWorkIterations : 0);
  const mode = config.handWritten ? 'raw' : 'ours';
  return startAll(
    Array.from({ length: config.workers }, (_, i) =>
      startServer(ctx, RR_WORKER, [mode, url, topic, concurrency, `w${i + 1}`, String(shards), iterations], `worker ${i + 1}`, started),
    ),
  );
}

function handledBy(workers: readonly ChildHandle[]): () => Promise<number> {
  return async () => (await Promise.all(workers.map((w) => w.handled()))).reduce((a, b) => a + b, 0);
}

/** Starts the gateways and workers of an HTTP configuration. */
async function startHttpConfig(ctx: BenchContext, config: ScaleConfig, started: (c: ChildHandle) => void): Promise<RunningConfig> {
  const { httpConnections: connections, payloadBytes } = ctx.options;
  const topic = uniqueName('bench-scale');
  const role = (i: number): string => (config.gateways === 1 ? 'gateway' : `gateway ${i + 1}`);
  const gatewayArgs = config.handWritten ? ['streams', ctx.url, topic] : ['gateway', ctx.url, topic, '1', ...(config.work ? ['work'] : [])];
  const [workers, gateways] = (await startAll([
    startWorkers(ctx, ctx.url, topic, config, 1, started),
    startAll(Array.from({ length: config.gateways }, (_, i) => startServer(ctx, HTTP_SERVER, gatewayArgs, role(i), started))),
  ])) as [ChildHandle[], ChildHandle[]];
  const processes: Record<string, ChildHandle> = {};
  for (const [i, g] of gateways.entries()) processes[role(i)] = g;
  for (const [i, w] of workers.entries()) processes[`worker ${i + 1}`] = w;
  const ports = gateways.map((g) => g.ready.port!);
  const call = echoCall(JSON.stringify(makePayload(0, payloadBytes)));
  return { side: httpSide(ports, processes, handledBy(workers), call, connections), close: async () => undefined };
}

/**
 * Starts the workers and the `Client`s of a request/reply configuration, on
 * the bench's server or on a Cluster of its own whose masters each get a
 * budget. On the Cluster the topic's shards fall two on each master and each
 * client's reply stream on a master of its own, so that no master carries
 * more than its share.
 */
async function startRrConfig(ctx: BenchContext, config: ScaleConfig, started: (c: ChildHandle) => void): Promise<RunningConfig> {
  const { httpConnections: callers, payloadBytes, rrRequests } = ctx.options;
  const held: { cluster?: RedisClusterHandle; engine?: Engine; clients: Client[]; admins: Redis[] } = { clients: [], admins: [] };
  const close = async (): Promise<void> => {
    for (const client of held.clients) await client.close();
    await held.engine?.close();
    for (const admin of held.admins) await admin.quit().catch(() => undefined);
    await held.cluster?.stop();
  };
  try {
    const shardKeys = (topic: string): string[] => Array.from({ length: SCALE_REDIS_SHARDS }, (_, s) => streamKey(topic, s, SCALE_REDIS_SHARDS));
    let url = ctx.url;
    let topic = uniqueName('bench-scale-rr');
    let clientIds = Array.from({ length: SCALE_REDIS_CLIENTS }, (_, i) => uniqueName(`bench-scale-${i}`));
    const probes: Record<string, CpuProbe> = {};
    if (config.cluster) {
      const cluster = (held.cluster = await startRedisCluster({ masters: SCALE_CLUSTER_MASTERS }));
      url = cluster.url;
      for (const [i, node] of cluster.nodes.entries()) {
        await budgeted(ctx, node, `master ${i + 1}`);
        const admin = rawConnection(node.url);
        held.admins.push(admin);
        probes[`master ${i + 1}`] = () => serverCpu(admin);
      }
      const master = await masterOfSlot(cluster);
      topic = findName('bench-scale-rr', (name) => {
        const perMaster = new Array<number>(SCALE_CLUSTER_MASTERS).fill(0);
        for (const key of shardKeys(name)) perMaster[master(keySlot(key))]!++;
        return perMaster.every((count) => count === perMaster[0]);
      });
      clientIds = clientIds.map((_, i) => findName(`bench-scale-${i}`, (id) => master(keySlot(REPLY_STREAM_PREFIX + id)) === i % SCALE_CLUSTER_MASTERS));
    }
    const workers = await startWorkers(ctx, url, topic, config, SCALE_REDIS_SHARDS, started);
    for (const [i, w] of workers.entries()) probes[`worker ${i + 1}`] = () => w.cpu();
    const engine = (held.engine = await connect(url));
    for (const id of clientIds) held.clients.push(new Client(engine, { id }));
    const clients = held.clients;
    const payloads = makePayloads(Math.min(rrRequests, 10_000), payloadBytes);
    let next = 0;
    const request = (payload: unknown): Promise<unknown> => clients[next++ % clients.length]!.request(topic, RR_TYPE, payload, { shards: SCALE_REDIS_SHARDS });
    const handled = handledBy(workers);
    const side: Side = async (count) => {
      const handled0 = await handled();
      return {
        processes: probes,
        run: () => driveRequests(request, payloads, count, callers),
        verifyAndCleanup: async () => (await handled()) - handled0,
      };
    };
    return { side, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Runs of each configuration with budgets, per run on shared cores: the
 * targets are taken there, from the median of the rounds' gains, which with
 * three rounds rests on three figures (a gain moved from 2.08 to 1.75 between
 * two runs of the same code). Each run keeps its length.
 */
export const SCALE_BUDGET_ROUNDS_FACTOR = 2;

/** Runs every curve, each in every mode. */
export async function runScale(ctx: BenchContext): Promise<ScaleResult> {
  const { scaleSeconds, httpConnections: connections, longRunRounds: rounds, payloadBytes, scaleWorkIterations, scaleWorkConcurrency } = ctx.options;
  const results: ScaleCurve[] = [];
  for (const curve of curves(ctx)) {
    const children: ChildHandle[] = [];
    const running: RunningConfig[] = [];
    try {
      // The previous curve ended in budget mode: start this one's processes uncapped.
      await enterMode(ctx, 'shared');
      const configs: Record<string, ScaleConfig> = {};
      const sides: Record<string, Side> = {};
      const startedConfigs = await startAll(
        curve.configs.map((config) => (config.gateways === 0 ? startRrConfig : startHttpConfig)(ctx, config, (c) => children.push(c))),
        (config) => running.push(config),
      );
      curve.configs.forEach((config, i) => {
        configs[scaleKey(config)] = config;
        sides[scaleKey(config)] = startedConfigs[i]!.side;
      });
      const runs: CurveRun[] = [];
      const scaleCpus = ctx.options.budget?.scaleCpus;
      for (const mode of runModes(ctx)) {
        await enterMode(ctx, mode, scaleCpus);
        const warmupN = Math.max(connections, Math.round(curve.requests / 10));
        const modeRounds = mode === 'budget' ? rounds * SCALE_BUDGET_ROUNDS_FACTOR : rounds;
        // The first configuration is the slowest: its runs last at least scaleSeconds each.
        const { n } = await sizeRuns(sides, Object.keys(sides)[0]!, curve.requests, warmupN, scaleSeconds * modeRounds, modeRounds);
        const comparison = await compare(ctx, sides, { n, warmupN, rounds: modeRounds });
        const budget = mode === 'budget' && scaleCpus !== undefined ? { budgetCpus: scaleCpus } : {};
        runs.push({ mode, modeLabel: describeMode(ctx, mode, scaleCpus), comparison, ...budget });
      }
      results.push({ name: curve.name, configs, runs });
    } finally {
      await stopAll(children);
      for (const config of running) await config.close();
    }
  }
  return { connections, payloadBytes, workIterations: scaleWorkIterations, workConcurrency: scaleWorkConcurrency, runSeconds: scaleSeconds, curves: results };
}

const CURVE_TITLES: Readonly<Record<CurveName, string>> = Object.freeze({
  workers: 'workers',
  gateways: 'gateways',
  redis: 'Redis',
});

function curveSetup(r: ScaleResult, curve: ScaleCurve): string {
  const workers = plural(Object.values(curve.configs)[0]!.workers, 'worker');
  switch (curve.name) {
    case 'workers':
      return `the gateway path (autocannon, ${int(r.connections)} connections, POST /echo of ~${r.payloadBytes} B JSON) with 1 gateway and a growing group of \`Service\` workers whose handler first derives a key from the body (PBKDF2-SHA256, ${int(r.workIterations)} iterations: CPU work on the event loop), each running ${int(r.workConcurrency)} requests at once, so that the workers bind; as a reference, the same curve of the hand-written path (the \`http\` scenario's streams gateway and plain ioredis workers doing the same work), each path's gain over its own first configuration`;
    case 'gateways':
      return `the same load spread over 1 or 2 gateways (connections in turn), in front of ${workers} (echo), so that the gateways bind`;
    case 'redis':
      return `request/reply without HTTP: ${SCALE_REDIS_CLIENTS} \`Client\`s in the bench process (${int(r.connections)} callers in a closed loop, ~${r.payloadBytes} B JSON echoed) and ${workers}, the topic in ${SCALE_REDIS_SHARDS} shards, on the bench's redis-server or a ${SCALE_CLUSTER_MASTERS}-master Cluster (every master in a budget of its own; two shards and one reply stream per master), so that Redis binds`;
  }
}

function table(r: ScaleResult, curve: ScaleCurve, run: CurveRun): string[] {
  const c = run.comparison;
  const keys = Object.keys(c.sides);
  const first = (handWritten: boolean): string => ofPath(curve, handWritten)[0]?.[0] ?? keys[0]!;
  const gain = (key: string): number => pairedRatio(c.sides[key]!, c.sides[first(curve.configs[key]!.handWritten)]!);
  const hasReference = ofPath(curve, true).length > 0;
  const cpus = run.budgetCpus;
  const budgetHeader = cpus === undefined ? ['', ''] : [' share of its budget used, by process | binds |', '---|---|'];
  return [
    `**scale: ${CURVE_TITLES[curve.name]}${run.mode === 'budget' ? ', CPU budgets' : ''}** — ${curveSetup(r, curve)}; ${run.modeLabel}. N = ${int(c.n)} per run${r.runSeconds > 0 ? ` (raised from a calibration run so that a run of the first configuration lasts at least ${r.runSeconds} s)` : ''}, ${c.rounds} runs per configuration alternating after a warm-up of ${int(c.warmupN)}; the gains are the median of the rounds' ratios.`,
    '',
    `| configuration | req/s median (min–max) | × ${hasReference ? 'the first of its path' : label(curve.configs[keys[0]!]!)} | p50 ms | p99 ms | ${cpuHeading('request')} |${budgetHeader[0]}`,
    `|---|---|---|---|---|---|${budgetHeader[1]}`,
    ...keys.map((key) => {
      const side = c.sides[key]!;
      const { median, min, max } = side.msgsPerSec;
      const l = side.latencyMs;
      const budget = cpus === undefined ? '' : ` ${describeUse(side, cpus)} | ${binding(side, cpus)} |`;
      return `| ${label(curve.configs[key]!)} | ${int(median)} (${int(min)}–${int(max)}) | ${fixed(gain(key))} | ${l === undefined ? '– | –' : `${fixed(l.p50.median, 3)} | ${fixed(l.p99.median, 3)}`} | ${cpuByProcess(side)} |${budget}`;
    }),
    '',
    ...(cpus === undefined || curve.name === 'redis' ? [] : [bend(curve, run, cpus), '']),
    ...(hasReference ? [referenceGains(curve, run), ''] : []),
  ];
}

/** Share of the proportional gain (× 2 for twice the processes) below which a curve bends. */
export const BEND_SHARE = 0.9;

/** How many of the processes a curve adds a configuration has. */
function grown(curve: ScaleCurve, config: ScaleConfig): number {
  return curve.name === 'workers' ? config.workers : config.gateways;
}

/**
 * Where a curve in budget mode bends — the first configuration that gains
 * less than {@link BEND_SHARE} of proportional over the first — and whose
 * budget binds there, from the per-process CPU figures; or that it does not bend.
 */
export function bend(curve: ScaleCurve, run: CurveRun, cpus: number): string {
  const sides = run.comparison.sides;
  const [first, ...rest] = ofPath(curve, false).map(([key]) => key);
  const base = curve.configs[first!]!;
  const noun = curve.name === 'workers' ? 'workers' : 'gateways';
  for (const key of rest) {
    const config = curve.configs[key]!;
    const proportional = grown(curve, config) / grown(curve, base);
    const gain = pairedRatio(sides[key]!, sides[first!]!);
    if (gain >= BEND_SHARE * proportional) continue;
    const { process, share } = busiest(sides[key]!, cpus);
    const who =
      share >= BINDING_SHARE
        ? `the budget that binds there is the ${process}'s (${fixed(share * 100, 0)} % of it used)`
        : `no budget binds there (the busiest, the ${process}, used ${fixed(share * 100, 0)} % of its own): the load generator or the machine sets the rate`;
    return `The curve bends at ${label(config)}: ${fixed(gain)} × for ${fixed(proportional, 0)} × the ${noun}; ${who}.`;
  }
  return `The curve does not bend: every configuration gains at least ${fixed(BEND_SHARE * 100, 0)} % of proportional over ${label(base)}.`;
}

/** What the hand-written path gains over its own first configuration, in one line: the reference for ours' gains. */
export function referenceGains(curve: ScaleCurve, run: CurveRun): string {
  const sides = run.comparison.sides;
  const [first, ...rest] = ofPath(curve, true);
  const gains = rest.map(([key, config]) => `${fixed(pairedRatio(sides[key]!, sides[first![0]]!))} × with ${plural(grown(curve, config), 'worker')}`);
  return `The hand-written path, on the same machine and budgets, gains ${gains.join(' and ')} over its own ${label(first![1])}.`;
}

/** Gain verdicts of a curve in budget mode: configuration over the first, at least the target. */
function curveVerdicts(curve: ScaleCurve): { name: string; verdict: Verdict }[] {
  const run = curve.runs.find((x) => x.mode === 'budget');
  if (run === undefined || curve.name === 'redis') return [];
  const configs = ofPath(curve, false);
  const base = configs[0]!;
  const targets: [count: number, target: number][] =
    curve.name === 'workers'
      ? [
          [2, SCALE_TARGETS.workers2],
          [4, SCALE_TARGETS.workers4],
        ]
      : [[2, SCALE_TARGETS.gateways2]];
  return targets.flatMap(([count, target]) => {
    const entry = configs.find(([, config]) => (curve.name === 'workers' ? config.workers : config.gateways) === count);
    if (entry === undefined) return [];
    // The throughput verdict of any comparison, its sides named by their configurations.
    const verdict: Verdict = { ...throughputVerdict(run.comparison, entry[0], base[0], target), side: label(entry[1]), baseline: label(base[1]) };
    return [{ name: `scale: ${CURVE_TITLES[curve.name]}, CPU budgets`, verdict }];
  });
}

/** The `scale` scenario: a table and a chart group per curve and mode; gain targets in budget mode. */
export const scaleScenario: Scenario<ScaleResult> = {
  name: 'scale',
  run: runScale,
  markdown: (r) => r.curves.flatMap((curve) => curve.runs.flatMap((run) => table(r, curve, run))),
  chart: (r): ChartGroup[] =>
    r.curves.flatMap((curve) =>
      curve.runs.map((run) => ({
        title: `scale: ${CURVE_TITLES[curve.name]}${run.mode === 'budget' ? ', CPU budgets' : ''}`,
        unit: 'req/s',
        bars: Object.entries(run.comparison.sides).map(([key, side]) => ({
          label: label(curve.configs[key]!),
          ours: !curve.configs[key]!.handWritten,
          value: side.msgsPerSec.median,
          min: side.msgsPerSec.min,
          max: side.msgsPerSec.max,
          ...(side.latencyMs === undefined ? {} : { p99Ms: side.latencyMs.p99.median }),
        })),
      })),
    ),
  verdicts: (r) => r.curves.flatMap(curveVerdicts),
};
