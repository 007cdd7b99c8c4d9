/**
 * `consume`: one stream per side pre-filled with N entries by that side's own
 * writer (so each reads its own format), then each measured run reads all N
 * through a fresh consumer group created at `0`. Raw: `XREADGROUP COUNT
 * batchSize`, `JSON.parse` of every payload, `XACK` of the batch. Ours: a
 * group-mode Consumer with `autoAck` and the default `prefetch`. A third,
 * informational side reads our protocol entries (`v 1 p <json>`) with plain ioredis.
 */
import { connect } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { writeAll } from '../batches.js';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { oursGroupConsume, oursWriter, type BatchWriter } from '../ours.js';
import { makePayloads } from '../payload.js';
import { rawGroupConsume, rawWriter } from '../raw.js';
import type { ComparisonReport } from '../scenario.js';
import { RAW_PRODUCE_FORMAT, WRITER_LABELS } from './produce.js';

/** Lowest acceptable throughput of ours relative to raw. */
export const CONSUME_TARGET_RATIO = 0.9;

type GroupConsume = (stream: string, group: string, n: number) => Promise<number>;

/** Writes `count` payloads through `writer` (untimed), then closes it. */
export async function fill(writer: BatchWriter, count: number, ctx: BenchContext): Promise<void> {
  const { payloadBytes, batchSize, inFlightBatches } = ctx.options;
  try {
    await writeAll(writer, makePayloads(count, payloadBytes), count, batchSize, inFlightBatches);
  } finally {
    await writer.close();
  }
}

/** Acked entries of a group: delivered minus still pending. */
export async function ackedCount(admin: Redis, stream: string, group: string): Promise<number> {
  const groups = (await admin.xinfo('GROUPS', stream)) as unknown[][];
  for (const fields of groups) {
    const info = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
    if (info.get('name') === group) return Number(info.get('entries-read')) - Number(info.get('pending'));
  }
  return 0;
}

/** A side reading all of `stream` through a fresh group per run; the server's ack count verifies it. */
export function groupSide(ctx: BenchContext, stream: string, consume: GroupConsume): Side {
  return async (count) => {
    const group = uniqueName('g');
    await ctx.admin.xgroup('CREATE', stream, group, '0');
    return {
      run: () => consume(stream, group, count),
      verifyAndCleanup: async () => {
        const acked = await ackedCount(ctx.admin, stream, group);
        await ctx.admin.xgroup('DESTROY', stream, group);
        return acked;
      },
    };
  };
}

/** Runs the `consume` comparison. */
export async function runConsume(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { n, warmupN, rounds, batchSize, payloadBytes } = ctx.options;
  const engine = await connect(ctx.url);
  const redis = rawConnection(ctx.url);
  const oursStream = uniqueName('bench-consume-ours');
  const rawStream = uniqueName('bench-consume-raw');
  const raw8Stream = uniqueName('bench-consume-raw8');
  const size = Math.max(n, warmupN);
  try {
    await fill(oursWriter(engine, oursStream, batchSize), size, ctx);
    await fill(rawWriter(redis, rawStream, RAW_PRODUCE_FORMAT), size, ctx);
    await fill(rawWriter(redis, raw8Stream, 'protocol'), size, ctx);
    const comparison = await compare(
      ctx,
      {
        ours: groupSide(ctx, oursStream, (s, g, count) => oursGroupConsume(engine, s, g, count)),
        raw: groupSide(ctx, rawStream, (s, g, count) => rawGroupConsume(redis, s, g, count, batchSize, RAW_PRODUCE_FORMAT)),
        rawSameFormat: groupSide(ctx, raw8Stream, (s, g, count) => rawGroupConsume(redis, s, g, count, batchSize, 'protocol')),
      },
      { n, warmupN, rounds },
    );
    return [
      {
        name: 'consume',
        setup: `A fresh consumer group reads ~${payloadBytes} B JSON entries (${batchSize} per read), decodes and acks each.`,
        unit: 'msgs/s',
        labels: WRITER_LABELS,
        comparison,
        verdicts: [throughputVerdict(comparison, 'ours', 'raw', CONSUME_TARGET_RATIO)],
      },
    ];
  } finally {
    await dropKeys(ctx.admin, [oursStream, rawStream, raw8Stream]);
    await engine.close();
    await redis.quit();
  }
}
