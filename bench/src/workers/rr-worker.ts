/**
 * The worker process of the request/reply scenario:
 * `node rr-worker.js ours|raw|raw-protocol <redis url> <topic> <concurrency> [consumer] [shards] [work]`.
 *
 * - `ours`: a {@link Service} with `concurrency` handlers, echoing the payload
 *   (for the gateway's `POST /echo`, the request body; its `GET /hello` is
 *   answered `{"hello":"world"}`); member
 *   `consumer` (default `w1`) of the group, reading `shards` shards (default 1).
 *   Requests of `GATEWAY_WORK_TYPE` first cost CPU: PBKDF2-SHA256 of the body
 *   with `work` iterations (default 0), computed on the event loop, as a
 *   handler's own work would be.
 * - `raw`: plain ioredis, `XREADGROUP COUNT <concurrency> BLOCK`, then one
 *   pipeline of every reply's XADD, the batch's XACK and the next XREADGROUP,
 *   so that a batch costs one round trip (the baseline must not be a straw man);
 *   it echoes the payload, except the hand-written gateway's hello request,
 *   after the same CPU work as `ours` (`work` iterations of PBKDF2-SHA256 of
 *   the payload) when `work` is above 0; several such workers share the group.
 * - `raw-protocol`: the same loop on the entries our Client and Service write
 *   (`RawRrFormat`): it answers requests of version 1 and of our type whose
 *   deadline has not passed, and acks the others unanswered.
 */
import { pbkdf2Sync } from 'node:crypto';
import { connect } from '@streamerson/core';
import type { HttpRequest } from '@streamerson/gateway';
import { Service } from '@streamerson/service';
import { Redis } from 'ioredis';
import { HELLO_REPLY } from '../http-calls.js';
import { serveParent } from './ipc.js';
import {
  isRawHello,
  GATEWAY_HELLO_TYPE,
  GATEWAY_TYPE,
  GATEWAY_WORK_TYPE,
  PROTOCOL_REQUEST_HEADERS,
  PROTOCOL_REQUEST_ID,
  PROTOCOL_REQUEST_PAYLOAD,
  PROTOCOL_REQUEST_REPLY_TO,
  PROTOCOL_REQUEST_TYPE,
  PROTOCOL_REQUEST_VERSION,
  RAW_BLOCK_MS,
  RAW_REQUEST_ID,
  RAW_REQUEST_PAYLOAD,
  RAW_REQUEST_REPLY_TO,
  RR_GROUP,
  RR_TYPE,
} from './rr-protocol.js';

type XReadGroupReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;
/** The arguments of a raw worker's reply XADD to one request, or undefined to ack it unanswered. */
type RawAnswer = (fields: readonly string[]) => string[] | undefined;

const [mode, url, topic, concurrencyText, consumerName, shardsText, workText] = process.argv.slice(2);
if (url === undefined || topic === undefined || (mode !== 'ours' && mode !== 'raw' && mode !== 'raw-protocol')) {
  throw new Error('usage: rr-worker ours|raw|raw-protocol <redis url> <topic> <concurrency> [consumer] [shards] [work]');
}
const concurrency = Number(concurrencyText ?? '100');
const consumer = consumerName ?? 'w1';
const shards = Number(shardsText ?? '1');
const work = Number(workText ?? '0');
/** Salt of the handler's CPU work; any fixed bytes. */
const WORK_SALT = 'streamerson-bench';
/** Bytes of key the CPU work derives (one SHA-256 block). */
const WORK_KEY_BYTES = 32;
let handled = 0;

async function startOurs(): Promise<() => Promise<void>> {
  const engine = await connect(url!);
  const service = new Service(engine, { name: RR_GROUP, topic: topic!, consumer, concurrency, shards });
  service.handle(RR_TYPE, (payload: unknown) => {
    handled++;
    return payload;
  });
  service.handle(GATEWAY_TYPE, (request: HttpRequest) => {
    handled++;
    return request.body;
  });
  service.handle(GATEWAY_WORK_TYPE, (request: HttpRequest) => {
    pbkdf2Sync(JSON.stringify(request.body), WORK_SALT, work, WORK_KEY_BYTES, 'sha256');
    handled++;
    return request.body;
  });
  service.handle(GATEWAY_HELLO_TYPE, () => {
    handled++;
    return HELLO_REPLY;
  });
  await service.start();
  return async () => {
    await service.drain();
    await engine.close();
  };
}

const minimalAnswer: RawAnswer = (fields) => {
  const payload: unknown = JSON.parse(fields[RAW_REQUEST_PAYLOAD]!);
  if (work > 0 && !isRawHello(payload)) pbkdf2Sync(JSON.stringify(payload), WORK_SALT, work, WORK_KEY_BYTES, 'sha256');
  return [fields[RAW_REQUEST_REPLY_TO]!, '*', 'i', fields[RAW_REQUEST_ID]!, 'p', JSON.stringify(isRawHello(payload) ? HELLO_REPLY : payload)];
};

const protocolAnswer: RawAnswer = (fields) => {
  if (fields[PROTOCOL_REQUEST_VERSION] !== '1' || fields[PROTOCOL_REQUEST_TYPE] !== RR_TYPE) return undefined;
  const headers = JSON.parse(fields[PROTOCOL_REQUEST_HEADERS]!) as { deadline?: string };
  if (Number(headers.deadline) <= Date.now()) return undefined;
  const payload: unknown = JSON.parse(fields[PROTOCOL_REQUEST_PAYLOAD]!);
  return [fields[PROTOCOL_REQUEST_REPLY_TO]!, 'NOMKSTREAM', '*', 'v', '1', 'i', fields[PROTOCOL_REQUEST_ID]!, 'p', JSON.stringify(payload)];
};

async function startRaw(answer: RawAnswer): Promise<() => Promise<void>> {
  const redis = new Redis(url!, { maxRetriesPerRequest: 1 });
  await redis.xgroup('CREATE', topic!, RR_GROUP, '0', 'MKSTREAM').catch((err: unknown) => {
    // Another worker of the group created it first.
    if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
  });
  let stopped = false;
  const readArgs = ['GROUP', RR_GROUP, consumer, 'COUNT', concurrency, 'BLOCK', RAW_BLOCK_MS, 'STREAMS', topic!, '>'] as const;
  const loop = async (): Promise<void> => {
    let reply = (await redis.xreadgroup(...readArgs)) as XReadGroupReply;
    while (!stopped) {
      const pipeline = redis.pipeline();
      const ids: string[] = [];
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        const args = answer(fields);
        ids.push(id);
        if (args === undefined) continue;
        pipeline.xadd(...(args as [string, ...string[]]));
        // Counted when queued: the parent may query right after the client got this reply.
        handled++;
      }
      if (ids.length > 0) pipeline.xack(topic!, RR_GROUP, ...ids);
      pipeline.xreadgroup(...readArgs);
      const results = (await pipeline.exec()) ?? [];
      for (const [err] of results) if (err) throw err;
      reply = results[results.length - 1]![1] as XReadGroupReply;
    }
  };
  const running = loop().catch((err: unknown) => {
    if (!stopped) throw err;
  });
  return async () => {
    stopped = true;
    redis.disconnect();
    await running;
  };
}

const stop = mode === 'ours' ? await startOurs() : await startRaw(mode === 'raw' ? minimalAnswer : protocolAnswer);
serveParent({ handled: () => handled, stop });
