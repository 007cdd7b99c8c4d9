/**
 * The raw request/reply client: plain ioredis, requests appended with XADD on
 * one connection, replies read with `XREAD BLOCK` from its own reply stream on
 * a dedicated connection and matched to the waiting request by id.
 */
import { StreamersonError } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { rawConnection } from './context.js';
import { RAW_BLOCK_MS, RAW_REPLY_ID, RAW_REPLY_PAYLOAD } from './workers/rr-protocol.js';

/** Most replies one XREAD returns. */
export const RAW_REPLY_READ_COUNT = 1_000;

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/** A raw requester on `topic`; `close()` stops its reader and deletes its reply stream. */
export class RawRequestClient {
  readonly replyStream = uniqueName('bench-rr-reply');
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly pending = new Map<string, { resolve(value: unknown): void; reject(err: unknown): void }>();
  private readonly loop: Promise<void>;
  private seq = 0;
  private closed = false;

  constructor(url: string, private readonly topic: string) {
    this.commands = rawConnection(url);
    this.reader = rawConnection(url);
    this.loop = this.readReplies();
  }

  /** Appends the request and resolves with the parsed reply payload. */
  request(payload: unknown): Promise<unknown> {
    const id = (++this.seq).toString(36);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.commands.xadd(this.topic, '*', 'i', id, 'r', this.replyStream, 'p', JSON.stringify(payload)).catch((err: unknown) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** Drops the replies read so far (untimed, between runs). */
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
    let lastId = '0-0';
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
        const requestId = fields[RAW_REPLY_ID]!;
        const waiting = this.pending.get(requestId);
        if (waiting === undefined) continue;
        this.pending.delete(requestId);
        waiting.resolve(JSON.parse(fields[RAW_REPLY_PAYLOAD]!));
      }
    }
  }
}
