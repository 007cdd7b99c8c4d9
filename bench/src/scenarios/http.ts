/**
 * `http`: the HTTP request path, every server in its own process on
 * loopback, driven by the same autocannon load (`httpConnections`
 * connections) for each of two calls (`http-calls.ts`): `GET /hello`
 * answered `{"hello":"world"}`, then `POST /echo` of the same ~100 B JSON
 * body, echoed. A run counts only when every answer is 2xx with the
 * expected body and the back end confirms the request count.
 *
 * The paths are listed in {@link HTTP_TARGETS}: our gateway (the `ours`
 * side: the Fastify plugin of packages/gateway in one process, a `Service`
 * worker in another) and the baselines, with the targets of
 * {@link GATEWAY_TARGETS} against them, for each call. Requests per run are
 * raised so that our gateway carries each call's load for at least
 * `httpMinSeconds` over its measured runs.
 */
import { uniqueName } from '@streamerson/testkit';
import { describeMode, enterMode, modeSuffix, runModes } from '../budget/modes.js';
import { startAll, startServer, stopAll, type ChildHandle } from '../child.js';
import type { BenchContext } from '../context.js';
import { fixed, int } from '../format.js';
import { describeCall, echoCall, HELLO_CALL, type HttpCall } from '../http-calls.js';
import { httpLoad } from '../http-load.js';
import { compare, p99Verdict, pairedRatio, sizeRuns, throughputVerdict, type Comparison, type CpuProbe, type Side, type SideResult } from '../measure.js';
import { makePayload } from '../payload.js';
import type { ComparisonReport } from '../scenario.js';

const HTTP_SERVER = new URL('../workers/http-server.js', import.meta.url);
const MOLECULER_NODE = new URL('../workers/moleculer-node.js', import.meta.url);
const RR_WORKER = new URL('../workers/rr-worker.js', import.meta.url);

/** A target's processes once started. */
export interface RunningTarget {
  /** Port the load goes to. */
  readonly port: number;
  /** Every process of the target, by role, first the one the load hits. */
  readonly processes: Readonly<Record<string, ChildHandle>>;
  /** The process that does the work; its handled count confirms each run. */
  readonly backend: ChildHandle;
}

/** One HTTP path under test. */
export interface HttpTarget {
  readonly label: string;
  /** Starts the target's processes; `started` hears of each one as soon as it runs, so that a failure still stops it. */
  start(ctx: BenchContext, started: (child: ChildHandle) => void): Promise<RunningTarget>;
}

/** Lowest acceptable req/s of our gateway relative to each baseline, on shared cores. */
export const GATEWAY_TARGETS = Object.freeze({ chain: 1.5, moleculer: 2, streams: 1.0 });
/** Lowest acceptable req/s of our gateway relative to each baseline, every server process in its CPU budget. */
export const GATEWAY_BUDGET_TARGETS = Object.freeze({ chain: 1.7, moleculer: 2.2, streams: 1.0 });
/** Highest acceptable p99 of our gateway relative to the HTTP chain's. */
export const GATEWAY_P99_TARGET = 1.0;

/**
 * A streams path on a topic of its own: a request/reply worker
 * (`rr-worker.js <workerMode>`) and the HTTP server in front of it
 * (`http-server.js <serverMode>`), their budgets named `<prefix>worker` and
 * `<prefix>gateway`.
 */
function streamsTarget(label: string, workerMode: string, serverMode: string, prefix: string): HttpTarget {
  return {
    label,
    start: async (ctx, started) => {
      const topic = uniqueName(`bench-http-${serverMode}`);
      const worker = await startServer(ctx, RR_WORKER, [workerMode, ctx.url, topic, String(ctx.options.rrWorkerConcurrency)], `${prefix}worker`, started);
      const gateway = await startServer(ctx, HTTP_SERVER, [serverMode, ctx.url, topic], `${prefix}gateway`, started);
      return { port: gateway.ready.port!, processes: { gateway, worker }, backend: worker };
    },
  };
}

/** The HTTP paths compared, in run order; the key is the side's name in the results. */
export const HTTP_TARGETS: Readonly<Record<string, HttpTarget>> = Object.freeze({
  ours: streamsTarget('Streamerson gateway → Service worker', 'ours', 'gateway', ''),
  fastify: {
    label: 'bare Fastify (no hop)',
    start: async (ctx, started) => {
      const server = await startServer(ctx, HTTP_SERVER, ['echo'], 'fastify', started);
      return { port: server.ready.port!, processes: { fastify: server }, backend: server };
    },
  },
  chain: {
    label: 'Fastify → undici Pool → Fastify',
    start: async (ctx, started) => {
      const back = await startServer(ctx, HTTP_SERVER, ['echo'], 'back', started);
      const front = await startServer(ctx, HTTP_SERVER, ['chain', String(back.ready.port)], 'front', started);
      return { port: front.ready.port!, processes: { front, back }, backend: back };
    },
  },
  moleculer: {
    label: 'moleculer-web → Moleculer (Redis transporter)',
    start: async (ctx, started) => {
      const namespace = uniqueName('bench');
      const service = await startServer(ctx, MOLECULER_NODE, ['service', ctx.url, namespace], 'moleculer service', started);
      const gateway = await startServer(ctx, MOLECULER_NODE, ['gateway', ctx.url, namespace], 'moleculer-web', started);
      return { port: gateway.ready.port!, processes: { 'moleculer-web': gateway, 'moleculer service': service }, backend: service };
    },
  },
  streams: streamsTarget('hand-written streams gateway (Fastify, raw ioredis)', 'raw', 'streams', 'streams '),
  least: streamsTarget('least streams hop (Fastify, raw sockets, no features; informational)', 'raw', 'least', 'least '),
});

/**
 * A side that sends `count` requests of `call` to `port` per run; each
 * process in `processes` is charged its CPU, and `handled` (the back end's
 * handled count) confirms the run.
 */
export function httpSide(
  port: number | readonly number[],
  processes: Readonly<Record<string, ChildHandle>>,
  handled: () => Promise<number>,
  call: HttpCall,
  connections: number,
): Side {
  const probes: Record<string, CpuProbe> = {};
  for (const [role, c] of Object.entries(processes)) probes[role] = () => c.cpu();
  return async (count) => {
    const handled0 = await handled();
    return {
      processes: probes,
      run: () => httpLoad(port, call, count, connections),
      verifyAndCleanup: async () => (await handled()) - handled0,
    };
  };
}

/** A side per running target, each loading it with `call` over `connections`. */
export function httpSides(targets: Readonly<Record<string, RunningTarget>>, call: HttpCall, connections: number): Record<string, Side> {
  const sides: Record<string, Side> = {};
  for (const [key, target] of Object.entries(targets)) sides[key] = httpSide(target.port, target.processes, () => target.backend.handled(), call, connections);
  return sides;
}

/**
 * In budget mode each call runs this many times the rounds, each run as many
 * times shorter: a change in the machine's speed (see `pairedRatio`) falls
 * inside a round less often, and the median of the rounds' ratios has more
 * rounds to go on, for the same time in all. Runs on shared cores last about
 * two seconds already.
 */
export const BUDGET_ROUND_SPLIT = 3;

/**
 * Requests per run: `httpRequests` / `split`, raised so that `rounds` ×
 * `split` runs at the rate our gateway (`ours`) reached in a calibration run
 * (see {@link sizeRuns}: the other targets make the same runs) last at least
 * `httpMinSeconds` in all.
 */
export function requestsPerRun(ctx: BenchContext, sides: Readonly<Record<string, Side>>, warmupN: number, split: number): Promise<{ n: number; rate: number }> {
  const { httpRequests, httpMinSeconds, rounds } = ctx.options;
  return sizeRuns(sides, 'ours', Math.ceil(httpRequests / split), warmupN, httpMinSeconds, rounds * split);
}

/**
 * How the two streams baselines compare with the chain and Moleculer in the
 * same run, round by round: the hand-written streams gateway, and so what
 * the targets against those two ask of ours in terms of it; and the least
 * streams hop, and which targets lay beyond even it. A sentence whose sides
 * are missing is left out.
 */
export function baselineNotes(comparison: Comparison, targets: Readonly<Record<'chain' | 'moleculer', number>>): string[] {
  const { streams, least, chain, moleculer } = comparison.sides;
  if (chain === undefined || moleculer === undefined) return [];
  const against = (side: SideResult) => ({ chain: pairedRatio(side, chain), moleculer: pairedRatio(side, moleculer) });
  const notes: string[] = [];
  if (streams !== undefined) {
    const made = against(streams);
    notes.push(
      `The hand-written streams gateway made ${fixed(made.chain)} × the chain's and ${fixed(made.moleculer)} × Moleculer's requests per second ` +
        `(median of the rounds' ratios): the targets of ${targets.chain} × and ${targets.moleculer} × ask ours for ` +
        `${fixed(targets.chain / made.chain)} × and ${fixed(targets.moleculer / made.moleculer)} × the hand-written gateway's rate.`,
    );
  }
  if (least !== undefined) {
    const reached = against(least);
    const beyond = (['chain', 'moleculer'] as const).filter((key) => reached[key] < targets[key]).map((key) => `${targets[key]} ×`);
    notes.push(
      `The least streams hop (raw sockets, none of the features) made ${fixed(reached.chain)} × the chain's and ${fixed(reached.moleculer)} × Moleculer's: ` +
        (beyond.length === 0 ? 'both targets lay within its reach.' : `the ${beyond.join(' and ')} target${beyond.length > 1 ? 's' : ''} lay beyond even it.`),
    );
  }
  return notes;
}

/** Runs every {@link HTTP_TARGETS} entry under the same load, for each call. */
export async function runHttp(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { httpRequests, httpConnections: connections, httpMinSeconds, rounds, payloadBytes } = ctx.options;
  const calls = [HELLO_CALL, echoCall(JSON.stringify(makePayload(0, payloadBytes)))];
  const children: ChildHandle[] = [];
  try {
    const entries = Object.entries(HTTP_TARGETS);
    const running = await startAll(entries.map(([, target]) => target.start(ctx, (c) => children.push(c))));
    const targets: Record<string, RunningTarget> = {};
    const labels: Record<string, string> = {};
    entries.forEach(([key, target], i) => {
      targets[key] = running[i]!;
      labels[key] = target.label;
    });
    const reports: ComparisonReport[] = [];
    for (const call of calls) {
      const sides = httpSides(targets, call, connections);
      for (const mode of runModes(ctx)) {
        await enterMode(ctx, mode);
        const warmupN = Math.max(connections, Math.round(httpRequests / 10));
        const split = mode === 'budget' ? BUDGET_ROUND_SPLIT : 1;
        const runs = rounds * split;
        const { n, rate } = await requestsPerRun(ctx, sides, warmupN, split);
        const comparison = await compare(ctx, sides, { n, warmupN, rounds: runs });
        const what = call.body === undefined ? `answered ${call.expect}` : `with the same ~${payloadBytes} B JSON body, echoed back`;
        const sized =
          httpMinSeconds > 0
            ? ` Requests per run raised so that our gateway carries the load ≥ ${httpMinSeconds} s over the ${runs} runs (calibration run: ${int(Math.round(rate))} req/s).`
            : '';
        const targetRatios = mode === 'budget' ? GATEWAY_BUDGET_TARGETS : GATEWAY_TARGETS;
        reports.push({
          name: `HTTP ${describeCall(call)}${modeSuffix(mode)}`,
          setup: `autocannon, ${int(connections)} connections, ${describeCall(call)} ${what}; every server in its own process; ${describeMode(ctx, mode)}.${sized}`,
          unit: 'req/s',
          labels,
          comparison,
          verdicts: [
            ...Object.entries(targetRatios).map(([baseline, target]) => throughputVerdict(comparison, 'ours', baseline, target)),
            p99Verdict(comparison, 'ours', 'chain', GATEWAY_P99_TARGET),
          ],
          mode,
          ...(ctx.budgets === null ? {} : { budgetCpus: ctx.budgets.info.cpus }),
          notes: baselineNotes(comparison, targetRatios),
        });
      }
    }
    return reports;
  } finally {
    await stopAll(children);
  }
}
