/**
 * `state recovery`: a one-shard machine of `stateRecoveryKeys` keys (default
 * 1,000,000), its snapshot hash and a changelog tail after the snapshot's
 * offset (1 % of the keys changed once more), written beforehand with raw
 * commands (untimed). Timed, alternating, `longRunRounds` times each:
 *
 * - a `StateReader` starting: the whole snapshot (HSCAN pages) and the tail
 *   into memory — what recovering the shard's state costs;
 * - a `StateWriter` taking the shard over: its lease, the tail, the command
 *   ids of the dedupe window (keys load from the snapshot when a command
 *   needs them). Between runs the writer's last snapshot is undone, so that
 *   every run finds the same tail.
 *
 * Redis bytes per key: `MEMORY USAGE … SAMPLES 0` of the snapshot hash over
 * its keys, and of the tail over its changes; beside them the same keys in a
 * hash as the raw writer of the `state` comparison keeps them (state and
 * version, two fields per key) and the same changes as its event entries.
 */
import { handoffStream, shardKeys, StateReader, StateWriter, type Machine } from '@streamerson/state';
import { uniqueName } from '@streamerson/testkit';
import type { Engine } from '@streamerson/core';
import type { Redis } from 'ioredis';
import { dropKeys, type BenchContext } from '../context.js';
import { fixed, int, mark } from '../format.js';
import type { Verdict } from '../measure.js';

/** Recovery of a shard of 1,000,000 keys should take less than this. */
export const RECOVERY_TARGET_MS = 10_000;
/** Fields per HSET and entries per pipeline while filling. */
const FILL_STEP = 1_000;

/** Median and spread of one timed step, in ms. */
export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** What the recovery part of `state` measured. */
export interface RecoveryResult {
  readonly keys: number;
  readonly tail: number;
  readonly rounds: number;
  /** A reader loading the shard (snapshot + tail). */
  readonly readerMs: Timing;
  /** A writer taking the shard over. */
  readonly writerMs: Timing;
  readonly snapshotBytesPerKey: number;
  readonly changelogBytesPerChange: number;
  readonly rawStateBytesPerKey: number;
  readonly rawEventBytesPerChange: number;
  readonly verdict: Verdict;
}

function timing(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

async function bytes(admin: Redis, key: string): Promise<number> {
  return Number(await admin.memory('USAGE', key, 'SAMPLES', 0));
}

/** Writes `count` hash fields made by `field(i)` into `key`, {@link FILL_STEP} per HSET, 8 in flight. */
async function fillHash(redis: Redis, key: string, count: number, field: (i: number) => string[]): Promise<void> {
  let pipeline = redis.pipeline();
  for (let i = 0; i < count; i += FILL_STEP) {
    const args: string[] = [];
    for (let j = i; j < Math.min(count, i + FILL_STEP); j++) args.push(...field(j));
    pipeline.hset(key, ...args);
    if ((i / FILL_STEP) % 8 === 7) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  await pipeline.exec();
}

async function fillStream(redis: Redis, key: string, count: number, fields: (i: number) => string[]): Promise<void> {
  for (let i = 0; i < count; i += FILL_STEP) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(count, i + FILL_STEP); j++) pipeline.xadd(key, '*', ...fields(j));
    await pipeline.exec();
  }
}

/**
 * Measures recovery and bytes per key for `machine` (one shard, a counter
 * state `{ n }` changed by `added` events), filled with `keys` keys.
 */
export async function runStateRecovery(
  ctx: BenchContext,
  engine: Engine,
  redis: Redis,
  machine: Machine<{ n: number }>,
  keys: number,
): Promise<RecoveryResult> {
  const rounds = ctx.options.longRunRounds;
  const tail = Math.max(1, Math.round(keys / 100));
  const k = shardKeys(machine, 0);
  const raw = uniqueName('bench-state-raw-keys');
  const rawEvents = uniqueName('bench-state-raw-events');
  const all = [k.commands, k.changelog, k.state, k.meta, k.lease, k.outbox, handoffStream(machine), raw, rawEvents];
  try {
    // The formats of docs/STATE.md: a snapshot value is `[version, state]`, a changelog entry `k n c t e s w`.
    await fillHash(redis, k.state, keys, (i) => [`k${i}`, JSON.stringify([1, { n: 1 }])]);
    const events = JSON.stringify([{ type: 'added', by: 1 }]);
    await fillStream(redis, k.changelog, tail, (i) => ['k', `k${i}`, 'n', '2', 'c', `c${i}`, 't', 'add', 'e', events, 's', JSON.stringify({ n: 2 }), 'w', '1']);
    await fillHash(redis, raw, keys, (i) => [`k${i}`, JSON.stringify({ n: 1 }), `k${i}:v`, '1']);
    await fillStream(redis, rawEvents, tail, (i) => ['k', `k${i}`, 'n', '2', 'e', events]);
    // The snapshot covers nothing of the tail: every change after offset 0-1 is replayed.
    const resetMeta = (): Promise<unknown> => redis.hset(k.meta, 'offset', '0-1', 'trimmed', '0-0');
    await resetMeta();
    const readerRuns: number[] = [];
    const writerRuns: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let t0 = performance.now();
      const reader = new StateReader(engine, machine);
      await reader.start();
      readerRuns.push(performance.now() - t0);
      const loaded = reader.size;
      await reader.close();
      if (loaded !== keys) throw new Error(`the reader loaded ${loaded} keys, not ${keys}`);
      t0 = performance.now();
      const writer = new StateWriter(engine, machine, { id: uniqueName('bench-writer') });
      await writer.start();
      writerRuns.push(performance.now() - t0);
      const held = writer.stats().shards.length;
      await writer.close();
      if (held !== 1) throw new Error('the writer did not take the shard');
      // Undo the writer's last snapshot and hand-off: the next run finds the same shard.
      await resetMeta();
      await redis.del(k.lease, handoffStream(machine));
    }
    const readerMs = timing(readerRuns);
    const meets = readerMs.median < RECOVERY_TARGET_MS && timing(writerRuns).median < RECOVERY_TARGET_MS;
    return {
      keys,
      tail,
      rounds,
      readerMs,
      writerMs: timing(writerRuns),
      snapshotBytesPerKey: (await bytes(ctx.admin, k.state)) / keys,
      changelogBytesPerChange: (await bytes(ctx.admin, k.changelog)) / tail,
      rawStateBytesPerKey: (await bytes(ctx.admin, raw)) / keys,
      rawEventBytesPerChange: (await bytes(ctx.admin, rawEvents)) / tail,
      verdict: {
        side: 'ours',
        baseline: 'target',
        metric: 'maxMs',
        value: Math.max(readerMs.median, timing(writerRuns).median),
        target: RECOVERY_TARGET_MS,
        meetsTarget: meets,
      },
    };
  } finally {
    await dropKeys(ctx.admin, all);
  }
}

/** The recovery table and the bytes per key. */
export function recoveryMarkdown(r: RecoveryResult): string[] {
  const cell = (t: Timing): string => `${int(t.median)} (${int(t.min)}–${int(t.max)})`;
  return [
    `**state recovery** — one shard of ${int(r.keys)} keys: the snapshot hash and ${int(r.tail)} changes after its offset in the changelog, written beforehand; ${r.rounds} runs each, alternating. Target: under ${int(RECOVERY_TARGET_MS)} ms.`,
    '',
    '| step | ms median (min–max) | target |',
    '|---|---|---|',
    `| StateReader.start: snapshot (HSCAN) and tail into memory | ${cell(r.readerMs)} | < ${int(RECOVERY_TARGET_MS)} ${mark(r.readerMs.median < RECOVERY_TARGET_MS)} |`,
    `| StateWriter.start: lease, tail, dedupe window (keys load when used) | ${cell(r.writerMs)} | < ${int(RECOVERY_TARGET_MS)} ${mark(r.writerMs.median < RECOVERY_TARGET_MS)} |`,
    '',
    `**state bytes** — MEMORY USAGE … SAMPLES 0 over the keys (changes) it holds, for the ${int(r.keys)}-key shard above.`,
    '',
    '| what | ours B | raw B |',
    '|---|---|---|',
    `| per key: ours' snapshot hash (\`[version, state]\`) · raw's hash (state and \`:v\` version) | ${fixed(r.snapshotBytesPerKey, 1)} | ${fixed(r.rawStateBytesPerKey, 1)} |`,
    `| per change: ours' changelog entry (key, version, command id, type, events, state, epoch) · raw's event entry (key, version, events) | ${fixed(r.changelogBytesPerChange, 1)} | ${fixed(r.rawEventBytesPerChange, 1)} |`,
    '',
  ];
}
