/**
 * `file`: the file:// engine beside memory:// and Redis, and beside SQLite
 * used directly for the same work (`file-sqlite-raw.ts`): produce, group
 * consume, and request/reply with a service and a client in this process.
 * The target is the engine's own storage: file:// at 0.8 × raw SQLite or
 * better. Request/reply runs it twice: through `Client` and `Service` (the
 * whole stack) and through the engine's calls alone in the raw side's steps
 * (the engine against its own storage used raw). There the target judges the
 * engine used directly: the whole stack adds the `Client` and `Service`
 * layers, which cost on every engine what they cost on memory:// (its row
 * shows it), so the whole stack's ratio is reported beside it, not judged.
 * Every side runs in this process (the Redis side also on the redis-server
 * of the run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Engine } from '@streamerson/core';
import { Client, Service } from '@streamerson/service';
import { acknowledgedCount, uniqueName } from '@streamerson/testkit';
import type { BenchContext } from '../context.js';
import { writeAll } from '../batches.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { oursGroupConsume, oursWriter } from '../ours.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import type { ComparisonReport } from '../scenario.js';
import { fill } from './consume.js';
import { RawSqlite, replyStream } from './file-sqlite-raw.js';

/** Lowest acceptable throughput of the file:// engine relative to SQLite used directly. */
export const FILE_TARGET_RATIO = 0.8;
/** Callers in the closed loop of the request/reply comparison. */
export const FILE_RR_CONCURRENCY = 16;

const LABELS = Object.freeze({
  file: 'Streamerson on file://',
  sqlite: 'SQLite used directly (better-sqlite3, WAL)',
  memory: 'Streamerson on memory://',
  redis: 'Streamerson on Redis',
});

const RR_LABELS = Object.freeze({
  ...LABELS,
  engine: "the file:// engine used directly (the raw side's steps as Engine calls)",
});

interface Engines {
  readonly file: Engine;
  /** A store of its own for the engine used directly, as raw SQLite has a database of its own (see {@link runFile}). */
  readonly fileDirect: Engine;
  readonly memory: Engine;
  readonly redis: Engine;
}

async function produce(ctx: BenchContext, engines: Engines, raw: RawSqlite): Promise<ComparisonReport> {
  const { n, warmupN, rounds, payloadBytes, batchSize, inFlightBatches } = ctx.options;
  const payloads = makePayloads(Math.max(n, warmupN), payloadBytes);
  const engineSide =
    (engine: Engine): Side =>
    async (count) => {
      const stream = uniqueName('bench-file-produce');
      const writer = oursWriter(engine, stream, batchSize);
      return {
        run: () => writeAll(writer, payloads, count, batchSize, inFlightBatches),
        verifyAndCleanup: async () => {
          await writer.close();
          const length = await engine.length(stream);
          await engine.deleteStreams([stream]);
          return length;
        },
      };
    };
  const rawSide: Side = async (count) => {
    const stream = uniqueName('bench-file-raw');
    return {
      run: () => writeAll({ write: (items, start, end) => raw.append(stream, items, start, end) }, payloads, count, batchSize, inFlightBatches),
      verifyAndCleanup: async () => {
        const length = raw.count(stream);
        raw.deleteStreams([stream]);
        return length;
      },
    };
  };
  const comparison = await compare(
    ctx,
    { file: engineSide(engines.file), sqlite: rawSide, memory: engineSide(engines.memory), redis: engineSide(engines.redis) },
    { n, warmupN, rounds },
  );
  return {
    name: 'file:// produce',
    setup: `~${payloadBytes} B JSON payloads appended in batches of ${batchSize}, ${inFlightBatches} batches in flight, every receipt awaited; raw SQLite inserts the JSON in one transaction per batch.`,
    unit: 'msgs/s',
    labels: LABELS,
    comparison,
    verdicts: [throughputVerdict(comparison, 'file', 'sqlite', FILE_TARGET_RATIO)],
  };
}

async function consume(ctx: BenchContext, engines: Engines, raw: RawSqlite): Promise<ComparisonReport> {
  const { n, warmupN, rounds, payloadBytes, batchSize } = ctx.options;
  const size = Math.max(n, warmupN);
  const engineSide = async (engine: Engine): Promise<Side> => {
    const stream = uniqueName('bench-file-consume');
    await fill(oursWriter(engine, stream, batchSize), size, ctx);
    return async (count) => {
      const group = uniqueName('g');
      await engine.createGroup(stream, group, '0');
      return {
        run: () => oursGroupConsume(engine, stream, group, count),
        verifyAndCleanup: async () => {
          const n = await acknowledgedCount(engine, stream, group);
          await engine.destroyGroup(stream, group);
          return n;
        },
      };
    };
  };
  const rawStream = uniqueName('bench-file-consume-raw');
  await raw.append(rawStream, makePayloads(size, payloadBytes), 0, size);
  let rawConsumed = 0;
  const rawSide: Side = async (count) => ({
    run: async () => (rawConsumed = await raw.consume(rawStream, count, batchSize)),
    verifyAndCleanup: async () => rawConsumed,
  });
  const comparison = await compare(
    ctx,
    { file: await engineSide(engines.file), sqlite: rawSide, memory: await engineSide(engines.memory), redis: await engineSide(engines.redis) },
    { n, warmupN, rounds },
  );
  return {
    name: 'file:// consume',
    setup: `A fresh consumer group reads ~${payloadBytes} B JSON entries, decodes and acks each; raw SQLite delivers ${batchSize} rows per transaction into a pending table (the group's position stored), then deletes them (the ack) in another.`,
    unit: 'msgs/s',
    labels: LABELS,
    comparison,
    verdicts: [throughputVerdict(comparison, 'file', 'sqlite', FILE_TARGET_RATIO)],
  };
}

async function requestReply(ctx: BenchContext, engines: Engines, raw: RawSqlite): Promise<ComparisonReport> {
  const { rrRequests, rounds, payloadBytes } = ctx.options;
  const payloads = makePayloads(FILE_RR_CONCURRENCY, payloadBytes);
  const engineSide = async (engine: Engine): Promise<{ side: Side; stop(): Promise<void> }> => {
    const topic = uniqueName('bench-file-rr');
    const service = new Service(engine, { name: topic, topic, concurrency: FILE_RR_CONCURRENCY }).handle('echo', (p: BenchPayload) => p);
    await service.start();
    const client = new Client(engine);
    const side: Side = async (count) => {
      const before = client.stats().replies;
      return {
        run: async () => {
          let sent = 0;
          let answered = 0;
          const caller = async (): Promise<void> => {
            while (sent < count) {
              const i = sent++;
              await client.request(topic, 'echo', payloads[i % payloads.length]);
              answered++;
            }
          };
          await Promise.all(Array.from({ length: FILE_RR_CONCURRENCY }, caller));
          return answered;
        },
        verifyAndCleanup: async () => client.stats().replies - before,
      };
    };
    return {
      side,
      stop: async () => {
        await client.close();
        await service.close();
      },
    };
  };
  let rawAnswered = 0;
  let engineAnswered = 0;
  const engineDirectSide: Side = async (count) => {
    const topic = uniqueName('bench-file-rr-engine');
    return {
      run: async () => (engineAnswered = await engineRequestReply(engines.fileDirect, topic, payloads, count)),
      verifyAndCleanup: async () => {
        await engines.fileDirect.deleteStreams([topic, replyStream(topic)]);
        return engineAnswered;
      },
    };
  };
  const rawSide: Side = async (count) => {
    const topic = uniqueName('bench-file-rr-raw');
    return {
      run: async () => (rawAnswered = await raw.requestReply(topic, payloads, count, FILE_RR_CONCURRENCY)),
      verifyAndCleanup: async () => {
        raw.deleteStreams([topic, replyStream(topic)]);
        return rawAnswered;
      },
    };
  };
  const sides = [await engineSide(engines.file), await engineSide(engines.memory), await engineSide(engines.redis)] as const;
  try {
    const comparison = await compare(
      ctx,
      { file: sides[0].side, engine: engineDirectSide, sqlite: rawSide, memory: sides[1].side, redis: sides[2].side },
      { n: rrRequests, warmupN: Math.max(FILE_RR_CONCURRENCY, Math.round(rrRequests / 10)), rounds },
    );
    return {
      name: `file:// request/reply c=${FILE_RR_CONCURRENCY}`,
      setup: `${FILE_RR_CONCURRENCY} callers in a closed loop, ~${payloadBytes} B JSON echoed by a service in the same process; raw SQLite appends a round of requests (ids after the stream's stored last id) in one transaction, delivers them as a group in another, appends the replies and acks in a third, reads them back; the file:// engine used directly takes the same steps through its calls (appendBatch, readGroup, appendAndAck, read), without the Client and Service.`,
      unit: 'req/s',
      labels: RR_LABELS,
      comparison,
      // The target judges the engine (see the top of this file); the whole stack's ratio is reported, not judged.
      verdicts: [throughputVerdict(comparison, 'engine', 'sqlite', FILE_TARGET_RATIO)],
    };
  } finally {
    for (const s of sides) await s.stop();
  }
}

/**
 * Request/reply through the engine's calls alone, in the steps of the raw
 * side (`RawSqlite.requestReply`): a round of `concurrency` requests appended
 * in one batch, read by a group, the replies (the requests' fields echoed)
 * appended with the acks, read back and decoded. Resolves the replies read.
 */
export async function engineRequestReply(engine: Engine, topic: string, payloads: readonly unknown[], n: number): Promise<number> {
  const replies = replyStream(topic);
  const group = 'worker';
  await engine.createGroup(topic, group, '0');
  let replyAt = '0-0';
  let answered = 0;
  while (answered < n) {
    const k = Math.min(payloads.length, n - answered);
    await engine.appendBatch(payloads.slice(0, k).map((p) => ({ stream: topic, fields: ['p', JSON.stringify(p)] })));
    const requests = (await engine.readGroup(group, 'worker', [{ stream: topic, after: '>' }], { count: k }))[0]?.entries ?? [];
    if (requests.length === 0) break;
    await engine.appendAndAck(
      requests.map((r) => ({ stream: replies, fields: r.fields })),
      group,
      [{ stream: topic, ids: requests.map((r) => r.id) }],
    );
    const got = (await engine.read([{ stream: replies, after: replyAt }], { count: requests.length }))[0]?.entries ?? [];
    for (const r of got) JSON.parse(r.fields[1]!.toString());
    replyAt = got[got.length - 1]?.id ?? replyAt;
    answered += got.length;
  }
  return answered;
}

/**
 * Runs the `file` comparisons on stores in a temporary directory, removed
 * afterwards. The engine used directly in request/reply has a store of its
 * own, as raw SQLite has a database of its own: in the store of the whole
 * stack, the service's request stream and the produce and consume streams
 * would fill the tables it works in, which raw SQLite's do not.
 */
export async function runFile(ctx: BenchContext): Promise<ComparisonReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-bench-file-'));
  const engines: Engines = {
    file: await connect(`file://${join(dir, 'engine')}`),
    fileDirect: await connect(`file://${join(dir, 'engine-direct')}`),
    memory: await connect(`memory://${uniqueName('bench-file')}`),
    redis: await connect(ctx.url),
  };
  const raw = new RawSqlite(dir);
  try {
    return [await produce(ctx, engines, raw), await consume(ctx, engines, raw), await requestReply(ctx, engines, raw)];
  } finally {
    raw.close();
    for (const engine of Object.values(engines)) await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
