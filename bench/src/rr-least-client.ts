/**
 * The least a streams hop can cost: the raw request/reply client's `minimal`
 * entries (served by the raw worker) over two plain sockets. Requests are
 * XADD commands built as one string each and written together once per
 * event-loop turn; replies are read with `XREAD BLOCK` from its own reply
 * stream; redis-parser reads what Redis answers; each reply's payload is
 * handed on as the JSON text it came as. No reconnection, authentication,
 * TLS, deadlines or retention: the `least` side of `http`, what a gateway
 * with none of those would cost, not a client to use.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { InvalidUrlError, StreamersonError } from '@streamerson/core';
import { parseRedisUrl } from '@streamerson/redis';
import { uniqueName } from '@streamerson/testkit';
import Parser from 'redis-parser';
import { RAW_BLOCK_MS, RAW_REPLY_ID, RAW_REPLY_PAYLOAD } from './workers/rr-protocol.js';
import { RAW_REPLY_READ_COUNT } from './rr-raw-client.js';

/** One RESP bulk string. */
function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

/** One RESP command. */
function command(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map(bulk).join('')}`;
}

/** Opens a plain socket to the redis-server of a `redis://host:port` URL without TLS, credentials or a database. */
async function open(url: string): Promise<Socket> {
  const parsed = parseRedisUrl(url);
  if (parsed.scheme !== 'redis' || parsed.tls || parsed.username !== undefined || parsed.password !== undefined || parsed.db !== 0) {
    throw new InvalidUrlError(url, 'the least client takes redis://host:port without TLS, credentials or a database');
  }
  const socket = connect(parsed.port, parsed.host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

type Waiting = { resolve(json: string): void; reject(error: Error): void };

/** A raw requester on `topic`; `close()` stops its reader and deletes its reply stream. */
export class LeastRequestClient {
  readonly replyStream = uniqueName('bench-least-reply');
  private readonly pending = new Map<string, Waiting>();
  /** What to do with each command's answer, in the order written (at most one per request in flight). */
  private readonly answers: ((error: Error | null) => void)[] = [];
  private out: string[] = [];
  private lastId = '0-0';
  private seq = 0;
  private closed = false;
  private failure: Error | undefined;
  /** A request's XADD up to its id, and from the reply stream to the payload's field name. */
  private readonly head: string;
  private readonly middle: string;

  private constructor(
    private readonly commands: Socket,
    private readonly reader: Socket,
    topic: string,
  ) {
    this.head = `*9\r\n${bulk('XADD')}${bulk(topic)}${bulk('*')}${bulk('i')}`;
    this.middle = `${bulk('r')}${bulk(this.replyStream)}${bulk('p')}`;
    const onError = (error: Error): void => this.fail(error);
    const commandReplies = new Parser({ returnReply: () => this.answer(null), returnError: (error) => this.answer(error) });
    const readReplies = new Parser({ returnReply: (reply: unknown) => this.deliver(reply), returnError: onError });
    commands.on('data', (data: Buffer) => commandReplies.execute(data));
    reader.on('data', (data: Buffer) => readReplies.execute(data));
    const lost = (): void => this.fail(new StreamersonError('ERR_STREAMERSON_CLOSED', 'the least client lost its connection'));
    commands.on('error', onError).on('close', lost);
    // close() destroys the reader first.
    reader.on('error', onError).on('close', () => this.closed || lost());
    this.readNext();
  }

  static async open(url: string, topic: string): Promise<LeastRequestClient> {
    const [commands, reader] = await Promise.all([open(url), open(url)]);
    return new LeastRequestClient(commands, reader, topic);
  }

  /** Appends the request (JSON text) and resolves with the reply payload's JSON text. */
  request(json: string): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = (++this.seq).toString(36);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(this.head + bulk(id) + this.middle + bulk(json), (error) => {
        if (error === null) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  /** Deletes the reply stream and ends both connections; rejects with what broke the client, if anything did. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.destroy();
    const error = this.failure ?? (await new Promise<Error | null>((resolve) => this.send(command(['DEL', this.replyStream]), resolve)));
    this.commands.end();
    this.fail(new StreamersonError('ERR_STREAMERSON_CLOSED', 'least request client closed'));
    if (error !== null) throw error;
  }

  /** Queues a command; the queue goes out in one write on the next turn of the event loop. */
  private send(request: string, answer: (error: Error | null) => void): void {
    this.answers.push(answer);
    this.out.push(request);
    if (this.out.length === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const out = this.out.join('');
    this.out = [];
    this.commands.write(out);
  };

  /** Settles the oldest command waiting for its answer. */
  private answer(error: Error | null): void {
    this.answers.shift()?.(error);
  }

  private readNext(): void {
    if (this.closed) return;
    this.reader.write(command(['XREAD', 'COUNT', String(RAW_REPLY_READ_COUNT), 'BLOCK', String(RAW_BLOCK_MS), 'STREAMS', this.replyStream, this.lastId]));
  }

  /** Hands each reply read to its request, then reads on. */
  private deliver(reply: unknown): void {
    const streams = reply as [stream: string, entries: [id: string, fields: string[]][]][] | null;
    for (const [id, fields] of streams?.[0]?.[1] ?? []) {
      this.lastId = id;
      const requestId = fields[RAW_REPLY_ID]!;
      const waiting = this.pending.get(requestId);
      if (waiting === undefined) continue;
      this.pending.delete(requestId);
      waiting.resolve(fields[RAW_REPLY_PAYLOAD]!);
    }
    this.readNext();
  }

  /** Rejects every request and command in flight with `error`, and every later one. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const answer of this.answers.splice(0)) answer(this.failure);
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(this.failure);
    }
  }
}
