/**
 * The baseline: the same work with plain ioredis, written the fast way an
 * experienced user would (pipelined XADD, string replies, ack pipelined with
 * the next read). It is the yardstick, so it must not be a straw man.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { StreamersonError } from '@streamerson/core';
import type { BenchPayload } from './payload.js';
import type { Writer } from './batches.js';
import type { BatchWriter } from './ours.js';

/**
 * The protocol v1 fields of a one-way JSON message without id, type, headers
 * or source, as a raw client would hard-code them (`v 1 p`); the payload follows.
 */
export const PROTOCOL_FIELDS_BEFORE_PAYLOAD = Object.freeze(['v', '1', 'p']);

/** Where the payload is in the raw reply's field list: after `<field>` or after the protocol fields. */
export type RawFormat = { readonly field: string } | 'protocol';

/** Index of the payload value in an entry's flat field list. */
export function payloadIndex(format: RawFormat): number {
  return format === 'protocol' ? PROTOCOL_FIELDS_BEFORE_PAYLOAD.length : 1;
}

/**
 * One pipeline of `XADD stream * <field> <json>` per batch, or with `'protocol'`
 * the same fields the Streamerson producer writes.
 */
export function rawWriter(redis: Redis, stream: string, format: RawFormat): BatchWriter {
  const before = format === 'protocol' ? PROTOCOL_FIELDS_BEFORE_PAYLOAD : [format.field];
  return {
    write: async (payloads, start, end) => {
      const pipeline = redis.pipeline();
      for (let i = start; i < end; i++) pipeline.xadd(stream, '*', ...before, JSON.stringify(payloads[i] as BenchPayload));
      return storedCount(pipeline);
    },
    close: async () => undefined,
  };
}

/**
 * One pipeline of protocol-format `XADD`s per batch whose payloads are JSON
 * text already (lines of a file read beforehand): the same entries the
 * `streamerson produce` command writes for bare-payload lines.
 */
export function rawLineWriter(redis: Redis, stream: string): Writer<string> {
  return {
    write: async (lines, start, end) => {
      const pipeline = redis.pipeline();
      for (let i = start; i < end; i++) pipeline.xadd(stream, '*', ...PROTOCOL_FIELDS_BEFORE_PAYLOAD, lines[i] as string);
      return storedCount(pipeline);
    },
  };
}

/** Runs a pipeline of XADDs; resolves with how many got an entry id, throws the first error. */
async function storedCount(pipeline: ChainableCommander): Promise<number> {
  const results = (await pipeline.exec()) ?? [];
  let stored = 0;
  for (const [error, id] of results) {
    if (error) throw new StreamersonError('ERR_STREAMERSON_ENGINE', `XADD failed: ${error.message}`, { cause: error });
    if (typeof id === 'string') stored++;
  }
  return stored;
}

type XReadGroupReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * `XREADGROUP GROUP <group> c COUNT <batchSize> STREAMS <stream> >`, then
 * `JSON.parse` of each payload (see {@link payloadIndex}) and `XACK` of the
 * batch, until `n` messages are processed.
 */
export async function rawGroupConsume(redis: Redis, stream: string, group: string, n: number, batchSize: number, format: RawFormat): Promise<number> {
  const at = payloadIndex(format);
  let processed = 0;
  let lastAck: Promise<number> = Promise.resolve(0);
  while (processed < n) {
    const count = Math.min(batchSize, n - processed);
    const reply = (await redis.xreadgroup('GROUP', group, 'c', 'COUNT', count, 'STREAMS', stream, '>')) as XReadGroupReply;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const payload = JSON.parse(fields[at] ?? 'null') as BenchPayload;
      // Touch the payload as the Streamerson side does, so neither parses for nothing.
      if (payload.id < 0) return processed;
      ids.push(id);
    }
    await lastAck;
    lastAck = redis.xack(stream, group, ...ids);
    processed += entries.length;
  }
  await lastAck;
  return processed;
}
