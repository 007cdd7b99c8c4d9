/**
 * The raw request/reply client: plain ioredis, requests appended with XADD on
 * one connection, replies read with `XREAD BLOCK` from its own reply stream on
 * a dedicated connection and matched to the waiting request by id. In the
 * `protocol` format it writes and reads the entries our Client does (see
 * `RawRrFormat`), with its own deadline in each request.
 */
import { StreamersonError } from '@streamerson/core';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '@streamerson/service';
import { uniqueName } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { rawConnection } from './context.js';
import { PROTOCOL_REPLY_ID, PROTOCOL_REPLY_PAYLOAD, RAW_BLOCK_MS, RAW_REPLY_ID, RAW_REPLY_PAYLOAD, RR_TYPE, type RawRrFormat } from './workers/rr-protocol.js';

/** Most replies one XREAD returns. */
export const RAW_REPLY_READ_COUNT = 1_000;

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/** A raw requester on `topic`; `close()` stops its reader and deletes its reply stream. */
export class RawRequestClient {
  readonly replyStream = uniqueName('bench-rr-reply');
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly pending = new Map<string, { resolve(value: unknown): void; reject(err: unknown): void }>();
  private readonly replyId: number;
  private readonly replyPayload: number;
  private readonly loop: Promise<void>;
  private seq = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly topic: string,
    private readonly format: RawRrFormat = 'minimal',
  ) {
    this.commands = rawConnection(url);
    this.reader = rawConnection(url);
    [this.replyId, this.replyPayload] = format === 'protocol' ? [PROTOCOL_REPLY_ID, PROTOCOL_REPLY_PAYLOAD] : [RAW_REPLY_ID, RAW_REPLY_PAYLOAD];
    this.loop = this.readReplies();
  }

  /** Appends the request and resolves with the parsed reply payload. */
  request(payload: unknown): Promise<unknown> {
    const id = (++this.seq).toString(36);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const json = JSON.stringify(payload);
      const sent =
        this.format === 'protocol'
          ? this.commands.xadd(
              this.topic,
              '*',
              'v',
              '1',
              'i',
              id,
              't',
              RR_TYPE,
              'r',
              this.replyStream,
              'h',
              JSON.stringify({ deadline: String(Date.now() + DEFAULT_REQUEST_TIMEOUT_MS) }),
              'p',
              json,
            )
          : this.commands.xadd(this.topic, '*', 'i', id, 'r', this.replyStream, 'p', json);
      sent.catch((err: unknown) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** Drops the replies read so far (untimed, between runs); the stream stays. */
  async trim(): Promise<void> {
    await this.commands.xtrim(this.replyStream, 'MAXLEN', 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader.disconnect();
    await this.loop;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new StreamersonError('ERR_STREAMERSON_CLOSED', 'raw request client closed'));
    }
    await this.commands.del(this.replyStream);
    await this.commands.quit();
  }

  private async readReplies(): Promise<void> {
    // The reply stream exists before any request (protocol-format replies go with NOMKSTREAM); reading starts after this marker.
    let lastId = (await this.commands.xadd(this.replyStream, '*', 'v', '1', 'p', 'null'))!;
    while (!this.closed) {
      let reply: XReadReply;
      try {
        reply = (await this.reader.xread('COUNT', RAW_REPLY_READ_COUNT, 'BLOCK', RAW_BLOCK_MS, 'STREAMS', this.replyStream, lastId)) as XReadReply;
      } catch (err) {
        if (this.closed) return;
        throw err;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        const requestId = fields[this.replyId]!;
        const waiting = this.pending.get(requestId);
        if (waiting === undefined) continue;
        this.pending.delete(requestId);
        waiting.resolve(JSON.parse(fields[this.replyPayload]!));
      }
    }
  }
}
