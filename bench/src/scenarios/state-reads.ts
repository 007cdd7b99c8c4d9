/**
 * `state reads`: reads of a machine's keys by 16 callers in a closed loop, on
 * 1,000 keys whose commands were applied beforehand (untimed). Ours: a
 * `StateReader` that loaded the shard and follows its changelog answers
 * `get(key)` from its memory. Raw: `HGET` of the state a hand-written writer
 * keeps in a hash (`HSET key <state>`, as the raw writer of the `state`
 * comparison does), one round trip per read, the 16 reads in flight on one
 * connection. Target: ours at least as many reads/s as raw (a reader answers
 * from memory what raw asks the server for).
 */
import type { Engine } from '@streamerson/core';
import { StateReader, type Machine } from '@streamerson/state';
import type { Redis } from 'ioredis';
import { rawConnection, type BenchContext } from '../context.js';
import { driveRequests } from '../load.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import type { ComparisonReport } from '../scenario.js';

/** Lowest acceptable reads/s of ours relative to raw. */
export const STATE_READS_TARGET_RATIO = 1;

const LABELS = {
  ours: 'StateReader.get (from its memory, following the changelog)',
  raw: 'raw ioredis HGET of the state hash (16 in flight)',
};

/** What a read returns to the load loop: the payload whose id named the key, once the key's state was found. */
type Read = (p: BenchPayload) => Promise<BenchPayload>;

function side(read: Read, payloads: readonly BenchPayload[], concurrency: number): Side {
  return async (count) => ({
    run: () => driveRequests(read, payloads, count, concurrency),
    verifyAndCleanup: async () => count,
  });
}

/**
 * Reads of `machine` (its commands over `keys` keys applied, one shard) and of
 * the raw hash `rawHash` holding the same keys. Every read must find its key.
 */
export async function runStateReads<S>(
  ctx: BenchContext,
  engine: Engine,
  machine: Machine<S>,
  rawHash: string,
  keys: number,
  concurrency: number,
): Promise<ComparisonReport> {
  const { rrRequests, rounds } = ctx.options;
  const keyOf = (p: BenchPayload): string => `k${p.id % keys}`;
  const payloads = makePayloads(Math.min(rrRequests, 10_000), ctx.options.payloadBytes);
  const reader = new StateReader(engine, machine);
  const redis: Redis = rawConnection(ctx.url);
  try {
    await reader.start();
    const ours: Read = async (p) => {
      const found = await reader.get(keyOf(p));
      if (found === undefined || found.version === 0) throw new Error(`the reader has no state for ${keyOf(p)}`);
      return p;
    };
    const raw: Read = async (p) => {
      if ((await redis.hget(rawHash, keyOf(p))) === null) throw new Error(`the raw hash has no state for ${keyOf(p)}`);
      return p;
    };
    const comparison = await compare(
      ctx,
      { ours: side(ours, payloads, concurrency), raw: side(raw, payloads, concurrency) },
      { n: rrRequests, warmupN: Math.round(rrRequests / 10), rounds },
    );
    return {
      name: 'state reads',
      setup: `${concurrency} callers in a closed loop reading ${keys.toLocaleString('en-US')} keys (one shard) whose commands were applied beforehand (target ≥ ${STATE_READS_TARGET_RATIO}×).`,
      unit: 'reads/s',
      labels: LABELS,
      comparison,
      verdicts: [throughputVerdict(comparison, 'ours', 'raw', STATE_READS_TARGET_RATIO)],
    };
  } finally {
    await reader.close();
    await redis.quit();
  }
}
