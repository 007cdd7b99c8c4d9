/**
 * `state`: commands applied by a state machine's writer, in two comparisons.
 *
 * Throughput (`state`): each run gets a
 * fresh one-shard command stream pre-filled (untimed) with N `add` commands
 * over 1,000 keys (protocol entries with a `key` header, no reply). Ours: a
 * `StateWriter` (batches of `batchSize`): each batch's changelog entries and
 * acks are one fenced write. Raw: an ioredis loop doing the same by hand —
 * `XREADGROUP COUNT batchSize`, then per command a Lua script that checks the
 * key's version, `HSET`s its state and `XADD`s its event, and the batch's
 * `XACK`, in one pipeline.
 *
 * Reads (`state reads`, `state-reads.ts`) of the keys a writer applied
 * commands to, and recovery and bytes per key (`state recovery`,
 * `state-recovery.ts`) of a shard of `stateRecoveryKeys` keys follow.
 *
 * Latency (`state c=16`): 16 callers in a closed loop send commands and wait
 * for their results. Ours: `MachineClient.send` to a `StateWriter` (the reply
 * is written in the same fenced write as the change). Raw: the raw
 * request/reply client of the request/reply scenario, and a loop that reads
 * the requests as a group and pipelines, per request, the same Lua script and
 * an `XADD` of the reply, then the `XACK`. Both ends run in the bench process.
 */
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { allShardKeys, defineMachine, handoffStream, MachineClient, StateWriter, type Machine } from '@streamerson/state';
import { uniqueName, waitFor } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import { driveRequests } from '../load.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import { RawRequestClient } from '../rr-raw-client.js';
import { comparisonScenario } from '../comparison-scenario.js';
import type { ComparisonReport, Scenario } from '../scenario.js';
import { runStateReads } from './state-reads.js';
import { recoveryMarkdown, runStateRecovery, type RecoveryResult } from './state-recovery.js';

/** Lowest acceptable throughput of ours relative to raw. */
export const STATE_TARGET_RATIO = 0.8;
/** Keys the commands are spread over. */
export const STATE_KEYS = 1_000;
/** Callers of the latency comparison. */
export const STATE_CONCURRENCY = 16;

const LATENCY_LABELS = {
  ours: 'MachineClient.send → StateWriter (reply in the fenced write)',
  raw: 'raw ioredis both ends (Lua version check + HSET + XADD, reply XADD, XACK, pipelined)',
};

const LABELS = {
  ours: 'StateWriter (one fenced write per batch: changelog, acks)',
  raw: 'raw ioredis (XREADGROUP, then per command a Lua version check + HSET + XADD, and XACK, pipelined)',
};

type Counter = { n: number };

function counters(name: string): Machine<Counter, { add: { by?: number } }, { type: 'added'; by: number }> {
  return defineMachine<Counter, { add: { by?: number } }, { type: 'added'; by: number }>({
    name,
    shards: 1,
    initial: () => ({ n: 0 }),
    commands: { add: (_s, { by }) => [{ type: 'added', by: by ?? 1 }] },
    apply: (s, e) => ({ n: s.n + e.by }),
  });
}

/** N `add` commands over {@link STATE_KEYS} keys, written in pipelines of `batchSize`. */
async function fillCommands(redis: Redis, stream: string, count: number, batchSize: number): Promise<void> {
  for (let i = 0; i < count; i += batchSize) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(count, i + batchSize); j++) {
      pipeline.xadd(stream, '*', ...encodeMessage({ type: 'add', headers: { key: `k${j % STATE_KEYS}` }, payload: { by: 1 } }).map(String));
    }
    await pipeline.exec();
  }
}

function oursSide(ctx: BenchContext, engine: Engine, redis: Redis): Side {
  return async (count) => {
    const machine = counters(uniqueName('bench-state'));
    await fillCommands(redis, machine.name, count, ctx.options.batchSize);
    const writer = new StateWriter(engine, machine, { batchSize: ctx.options.batchSize, blockMs: 100 });
    return {
      run: async () => {
        await writer.start();
        await waitFor(() => writer.stats().applied >= count, { timeoutMs: 600_000, intervalMs: 2, what: 'the writer to apply every command' });
        return writer.stats().applied;
      },
      verifyAndCleanup: async () => {
        await writer.close();
        const stored = await ctx.admin.xlen(`{${machine.name}}:changelog`);
        await dropKeys(ctx.admin, machineKeys(machine));
        return stored;
      },
    };
  };
}

/** KEYS: state hash, changelog; ARGV: key, expected version, new state, event. */
const APPLY = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':v') or '0')
if cur ~= tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[1] .. ':v', cur + 1)
redis.call('XADD', KEYS[2], '*', 'k', ARGV[1], 'n', cur + 1, 'e', ARGV[4])
return cur + 1`;

/** The raw loop: a batch read as the group, then one pipeline of the Lua apply per command and the batch's XACK. */
async function rawApply(redis: Redis, stream: string, count: number, batchSize: number): Promise<number> {
  const states = new Map<string, { version: number; n: number }>();
  const hash = `{${stream}}:state`;
  const changelog = `{${stream}}:changelog`;
  let done = 0;
  while (done < count) {
    const reply = (await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', batchSize, 'BLOCK', 100, 'STREAMS', stream, '>')) as
      | [string, [string, string[]][]][]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    const pipeline = redis.pipeline();
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      let key = '';
      let by = 0;
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === 'h') key = (JSON.parse(fields[i + 1]!) as { key: string }).key;
        else if (fields[i] === 'p') by = (JSON.parse(fields[i + 1]!) as { by: number }).by;
      }
      const s = states.get(key) ?? { version: 0, n: 0 };
      const next = { version: s.version + 1, n: s.n + by };
      pipeline.eval(APPLY, 2, hash, changelog, key, s.version, JSON.stringify({ n: next.n }), JSON.stringify([{ type: 'added', by }]));
      states.set(key, next);
      ids.push(id);
    }
    pipeline.xack(stream, 'g', ...ids);
    await pipeline.exec();
    done += entries.length;
  }
  return done;
}

function rawSide(ctx: BenchContext, redis: Redis): Side {
  return async (count) => {
    const stream = uniqueName('bench-state-raw');
    await fillCommands(redis, stream, count, ctx.options.batchSize);
    await redis.xgroup('CREATE', stream, 'g', '0');
    return {
      run: () => rawApply(redis, stream, count, ctx.options.batchSize),
      verifyAndCleanup: async () => {
        const stored = await ctx.admin.xlen(`{${stream}}:changelog`);
        await dropKeys(ctx.admin, [stream, `{${stream}}:state`, `{${stream}}:changelog`]);
        return stored;
      },
    };
  };
}

const keyOf = (p: BenchPayload): string => `k${p.id % STATE_KEYS}`;

/** Ours: commands sent with a MachineClient to a StateWriter started before the runs. */
function oursLatencySide(ctx: BenchContext, client: MachineClient<Counter, { add: { by?: number } }>): Side {
  const payloads = makePayloads(Math.min(ctx.options.rrRequests, 10_000), ctx.options.payloadBytes);
  return async (count) => ({
    run: () =>
      driveRequests(
        async (p) => {
          await client.send(keyOf(p), 'add', p as never);
          return p;
        },
        payloads,
        count,
        STATE_CONCURRENCY,
      ),
    verifyAndCleanup: async () => count,
  });
}

/** The raw server: requests read as a group; per request the Lua apply and the reply, then the XACK, in one pipeline. */
async function rawServe(redis: Redis, stream: string, stop: () => boolean): Promise<number> {
  const states = new Map<string, { version: number; n: number }>();
  let served = 0;
  while (!stop()) {
    const reply = (await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 100, 'BLOCK', 50, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const [, f] of entries) {
      // Protocol request fields: v 1 i <id> t <type> r <reply stream> h <headers> p <payload>.
      const payload = f[11]!;
      const key = keyOf(JSON.parse(payload) as BenchPayload);
      const s = states.get(key) ?? { version: 0, n: 0 };
      pipeline.eval(
        APPLY,
        2,
        `{${stream}}:state`,
        `{${stream}}:changelog`,
        key,
        s.version,
        JSON.stringify({ n: s.n + 1 }),
        JSON.stringify([{ type: 'added', by: 1 }]),
      );
      states.set(key, { version: s.version + 1, n: s.n + 1 });
      pipeline.xadd(f[7]!, 'NOMKSTREAM', '*', 'v', '1', 'i', f[3]!, 'p', payload);
    }
    pipeline.xack(stream, 'g', ...entries.map(([id]) => id));
    await pipeline.exec();
    served += entries.length;
  }
  return served;
}

function rawLatencySide(ctx: BenchContext, raw: RawRequestClient): Side {
  const payloads = makePayloads(Math.min(ctx.options.rrRequests, 10_000), ctx.options.payloadBytes);
  return async (count) => ({
    run: () => driveRequests((p) => raw.request(p), payloads, count, STATE_CONCURRENCY),
    verifyAndCleanup: async () => {
      await raw.trim();
      return count;
    },
  });
}

/** The latency comparison: both ends in this process, started before the runs. */
async function runLatency(ctx: BenchContext, engine: Engine): Promise<ComparisonReport> {
  const { rrRequests, rounds, payloadBytes } = ctx.options;
  const machine = counters(uniqueName('bench-state-rr'));
  const writer = new StateWriter(engine, machine, { batchSize: 100, blockMs: 50 });
  await writer.start();
  const client = new MachineClient(engine, machine);
  const rawStream = uniqueName('bench-state-rr-raw');
  const server = rawConnection(ctx.url);
  await server.xgroup('CREATE', rawStream, 'g', '$', 'MKSTREAM');
  let stopped = false;
  const serving = rawServe(server, rawStream, () => stopped);
  const raw = new RawRequestClient(ctx.url, rawStream, 'protocol');
  try {
    const comparison = await compare(
      ctx,
      { ours: oursLatencySide(ctx, client), raw: rawLatencySide(ctx, raw) },
      { n: rrRequests, warmupN: Math.round(rrRequests / 10), rounds },
    );
    return {
      name: `state c=${STATE_CONCURRENCY}`,
      setup: `${STATE_CONCURRENCY} callers in a closed loop sending commands (~${payloadBytes} B JSON) over ${STATE_KEYS.toLocaleString('en-US')} keys and waiting for each result; writer and raw server in the bench process.`,
      unit: 'commands/s',
      labels: LATENCY_LABELS,
      comparison,
      verdicts: [throughputVerdict(comparison, 'ours', 'raw', STATE_TARGET_RATIO)],
    };
  } finally {
    await client.close();
    await writer.close();
    await raw.close();
    stopped = true;
    await serving;
    await server.quit();
    const keys = ['changelog', 'state', 'meta', 'lease', 'outbox'].flatMap((k) => [`{${machine.name}}:${k}`, `{${rawStream}}:${k}`]);
    await dropKeys(ctx.admin, [machine.name, rawStream, ...keys, `_state:${machine.name}:handoff`]);
  }
}

/** What `state` measured: the comparisons (throughput, latency, reads), then recovery and bytes per key. */
export interface StateResult {
  readonly reports: readonly ComparisonReport[];
  readonly recovery: RecoveryResult;
}

/** Every key a machine's run leaves: its shards' keys and the hand-off stream. */
export function machineKeys(machine: Machine<Counter>): string[] {
  return [...allShardKeys(machine).flatMap((k) => [k.commands, k.changelog, k.state, k.meta, k.lease, k.outbox]), handoffStream(machine)];
}

/** Reads: a writer and the raw loop apply commands over the keys first (untimed), then the reads are compared. */
async function runReads(ctx: BenchContext, engine: Engine, redis: Redis): Promise<ComparisonReport> {
  const machine = counters(uniqueName('bench-state-reads'));
  const rawStream = uniqueName('bench-state-reads-raw');
  const count = STATE_KEYS * 10;
  try {
    await fillCommands(redis, machine.name, count, ctx.options.batchSize);
    const writer = new StateWriter(engine, machine, { batchSize: ctx.options.batchSize, blockMs: 100 });
    await writer.start();
    await waitFor(() => writer.stats().applied >= count, { timeoutMs: 600_000, intervalMs: 2, what: 'the writer to apply the commands to read' });
    await writer.close();
    await fillCommands(redis, rawStream, count, ctx.options.batchSize);
    await redis.xgroup('CREATE', rawStream, 'g', '0');
    await rawApply(redis, rawStream, count, ctx.options.batchSize);
    return await runStateReads(ctx, engine, machine, `{${rawStream}}:state`, STATE_KEYS, STATE_CONCURRENCY);
  } finally {
    await dropKeys(ctx.admin, [...machineKeys(machine), rawStream, `{${rawStream}}:state`, `{${rawStream}}:changelog`]);
  }
}

/** Runs the `state` comparisons, then recovery and bytes per key. */
export async function runState(ctx: BenchContext): Promise<StateResult> {
  const { n, warmupN, rounds, batchSize } = ctx.options;
  const engine = await connect(ctx.url);
  const redis = rawConnection(ctx.url);
  try {
    const comparison = await compare(ctx, { ours: oursSide(ctx, engine, redis), raw: rawSide(ctx, redis) }, { n, warmupN, rounds });
    const throughput: ComparisonReport = {
      name: 'state',
      setup: `Commands of a state machine over ${STATE_KEYS.toLocaleString('en-US')} keys (${batchSize} per read, one shard): a StateWriter against a hand-written ioredis loop with a Lua version check, HSET of the state and XADD of the event per command (target ≥ ${STATE_TARGET_RATIO}×).`,
      unit: 'commands/s',
      labels: LABELS,
      comparison,
      verdicts: [throughputVerdict(comparison, 'ours', 'raw', STATE_TARGET_RATIO)],
    };
    const latency = await runLatency(ctx, engine);
    const reads = await runReads(ctx, engine, redis);
    const recovery = await runStateRecovery(ctx, engine, redis, counters(uniqueName('bench-state-recovery')), ctx.options.stateRecoveryKeys);
    return { reports: [throughput, latency, reads], recovery };
  } finally {
    await engine.close();
    await redis.quit();
  }
}

const comparisons = comparisonScenario('state', async () => []);

/** The `state` scenario: its comparisons' tables and bars, then the recovery and bytes tables. */
export const stateScenario: Scenario<StateResult> = {
  name: 'state',
  run: runState,
  markdown: (r) => [...comparisons.markdown(r.reports), ...recoveryMarkdown(r.recovery)],
  chart: (r) => comparisons.chart(r.reports),
  verdicts: (r) => [...comparisons.verdicts(r.reports), { name: 'state recovery', verdict: r.recovery.verdict }],
};
