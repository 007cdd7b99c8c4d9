/**
 * `bullmq`: the same number of ~100 B JSON messages processed by our group
 * consumer (decode + ack, as in `consume`) and by a BullMQ Worker
 * (concurrency 50, a processor that reads one field), on the same Redis. The
 * BullMQ jobs are added beforehand with `addBulk` into a fresh queue per run
 * (untimed); the run ends when the worker has completed them all, and the
 * queue's completed count confirms it.
 */
import { connect, DEFAULT_PREFETCH } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { BenchContext } from '../context.js';
import { int } from '../format.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { oursGroupConsume, oursWriter } from '../ours.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import type { ComparisonReport } from '../scenario.js';
import { fill, groupSide } from './consume.js';

/** Lowest acceptable throughput of ours relative to BullMQ. */
export const BULLMQ_TARGET_RATIO = 8;
/** Jobs the BullMQ worker processes at once. */
export const BULLMQ_CONCURRENCY = 50;
/** Jobs per `addBulk` call while filling a queue. */
const ADD_BULK_SIZE = 1_000;

function connectionOf(url: string): ConnectionOptions {
  const { hostname, port } = new URL(url);
  // BullMQ workers block on their connection and require unlimited retries per request.
  return { host: hostname, port: Number(port), maxRetriesPerRequest: null };
}

function bullmqSide(ctx: BenchContext, payloads: readonly BenchPayload[]): Side {
  const connection = connectionOf(ctx.url);
  return async (count) => {
    const name = uniqueName('bench-bullmq');
    const queue = new Queue<BenchPayload>(name, { connection });
    for (let start = 0; start < count; start += ADD_BULK_SIZE) {
      const end = Math.min(count, start + ADD_BULK_SIZE);
      await queue.addBulk(payloads.slice(start, end).map((data) => ({ name: 'job', data })));
    }
    const worker = new Worker<BenchPayload>(name, async (job) => job.data.id, { connection, concurrency: BULLMQ_CONCURRENCY, autorun: false });
    await worker.waitUntilReady();
    return {
      run: () =>
        new Promise<number>((resolve, reject) => {
          let completed = 0;
          worker.on('completed', () => {
            if (++completed === count) resolve(completed);
          });
          worker.on('failed', (_job, err) => reject(err));
          worker.run().catch(reject);
        }),
      verifyAndCleanup: async () => {
        await worker.close();
        const completed = await queue.getCompletedCount();
        await queue.obliterate({ force: true });
        await queue.close();
        return completed;
      },
    };
  };
}

/** Runs ours against BullMQ on `bullmqJobs` messages. */
export async function runBullmq(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { bullmqJobs: n, rounds, batchSize, payloadBytes } = ctx.options;
  const warmupN = Math.max(batchSize, Math.round(n / 10));
  const payloads = makePayloads(Math.max(n, warmupN), payloadBytes);
  const engine = await connect(ctx.url);
  const stream = uniqueName('bench-bullmq-ours');
  try {
    await fill(oursWriter(engine, stream, batchSize), payloads.length, ctx);
    const comparison = await compare(
      ctx,
      {
        ours: groupSide(ctx, stream, (s, g, count) => oursGroupConsume(engine, s, g, count)),
        bullmq: bullmqSide(ctx, payloads),
      },
      { n, warmupN, rounds },
    );
    return [
      {
        name: 'consume vs BullMQ',
        setup: `${int(n)} ~${payloadBytes} B JSON messages already stored; ours: group consumer, decode + ack (default prefetch, ${DEFAULT_PREFETCH}); BullMQ: jobs added with addBulk beforehand, Worker concurrency ${BULLMQ_CONCURRENCY}, processor returns one field, completed jobs kept (BullMQ's default).`,
        unit: 'msgs/s',
        labels: { ours: 'Streamerson group Consumer', bullmq: `BullMQ Worker (concurrency ${BULLMQ_CONCURRENCY})` },
        comparison,
        verdicts: [throughputVerdict(comparison, 'ours', 'bullmq', BULLMQ_TARGET_RATIO)],
      },
    ];
  } finally {
    await ctx.admin.del(stream);
    await engine.close();
  }
}
