/**
 * `produce`: N payloads appended to a fresh stream, every receipt awaited.
 * Both sides write batches of `batchSize` with `inFlightBatches` batches
 * outstanding on one connection: raw as one ioredis pipeline per batch, ours
 * through a Producer whose `maxBatch` is `batchSize`. A third, informational
 * side writes our protocol entries (`v 1 p <json>`) with plain ioredis.
 */
import { connect } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import { writeAll } from '../batches.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { oursWriter, type BatchWriter } from '../ours.js';
import { makePayloads } from '../payload.js';
import { rawWriter } from '../raw.js';
import type { ComparisonReport } from '../scenario.js';

/** Lowest acceptable throughput of ours relative to raw. */
export const PRODUCE_TARGET_RATIO = 0.9;
/** Entry format of the raw baseline: `XADD s * payload <json>`. */
export const RAW_PRODUCE_FORMAT = Object.freeze({ field: 'payload' });

/** Side labels of produce, shared with consume. */
export const WRITER_LABELS = Object.freeze({
  ours: 'Streamerson',
  raw: 'raw ioredis, 1-field entries',
  rawSameFormat: 'raw ioredis, our protocol entries (informational)',
});

/** Runs the `produce` comparison. */
export async function runProduce(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { n, warmupN, rounds, payloadBytes, batchSize, inFlightBatches } = ctx.options;
  const payloads = makePayloads(Math.max(n, warmupN), payloadBytes);
  const engine = await connect(ctx.url);
  const redis = rawConnection(ctx.url);
  const side =
    (prefix: string, writerFor: (stream: string) => BatchWriter): Side =>
    async (count) => {
      const stream = uniqueName(prefix);
      const writer = writerFor(stream);
      return {
        run: () => writeAll(writer, payloads, count, batchSize, inFlightBatches),
        verifyAndCleanup: async () => {
          await writer.close();
          const length = await ctx.admin.xlen(stream);
          await dropKeys(ctx.admin, [stream]);
          return length;
        },
      };
    };
  try {
    const comparison = await compare(
      ctx,
      {
        ours: side('bench-produce-ours', (stream) => oursWriter(engine, stream, batchSize)),
        raw: side('bench-produce-raw', (stream) => rawWriter(redis, stream, RAW_PRODUCE_FORMAT)),
        rawSameFormat: side('bench-produce-raw8', (stream) => rawWriter(redis, stream, 'protocol')),
      },
      { n, warmupN, rounds },
    );
    return [
      {
        name: 'produce',
        setup: `~${payloadBytes} B JSON payloads appended in batches of ${batchSize}, ${inFlightBatches} batches in flight, every receipt awaited.`,
        unit: 'msgs/s',
        labels: WRITER_LABELS,
        comparison,
        verdicts: [throughputVerdict(comparison, 'ours', 'raw', PRODUCE_TARGET_RATIO)],
      },
    ];
  } finally {
    await engine.close();
    await redis.quit();
  }
}
