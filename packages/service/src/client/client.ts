/**
 * A client of services: durable request/reply and one-way publish. Each
 * client instance owns one reply stream (`_reply:<id>`), read on a dedicated
 * reader from the last id seen; replies are matched to waiting requests by
 * message id. Every wait is bounded: by `maxInFlight` and by each request's
 * timeout.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import {
  AbortError,
  ClosedError,
  DEADLINE_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  InvalidOptionError,
  decodeEntry,
  encodeMessage,
  payloadBytes,
  ProtocolError,
  STATUS_HEADER,
  ERROR_HEADER,
  streamKey,
  shardForKey,
  StreamersonError,
  TimeoutError,
  validateTopic,
  type BlockingReader,
  type ContentType,
  type Engine,
  type ErrorReplyPayload,
  type Headers,
  type Lifecycle,
  type Message,
  type FieldValue,
  type RawEntry,
  type StreamEntries,
} from '@streamerson/core';
import { Backoff, ClosedSignal, encodeHeadersWith, encodeMessageWithHeaders, intOption } from '@streamerson/core/internal';
import { RemoteError } from '../errors.js';
import { rawMessageId } from '../message-id.js';
import { Deadlines } from './deadlines.js';
import { parseClientOptions, type ClientConfig, type ClientOptions } from './client-options.js';

/** Where a client's error happened. */
export interface ClientErrorContext {
  /**
   * `read`: reading replies (the loop pauses with backoff and goes on);
   * `refresh`: keeping the reply stream alive; `trim`: trimming it or capping a
   * topic; `request`: a request reached the primary but too few replicas
   * confirmed it (`ERR_STREAMERSON_NOT_REPLICATED`), and the client waits for
   * its reply (or deadline) as for any other.
   */
  readonly op: 'read' | 'refresh' | 'trim' | 'request';
  readonly stream: string;
}

/** Events of a {@link Client}. */
export interface ClientEvents {
  /** An engine error the client carried on from (also logged and counted); emitted only while an `'error'` listener exists. */
  error: [error: unknown, context: ClientErrorContext];
}

/** Options of one request. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply; default the client's `timeout`. Sent as the `deadline` header. */
  readonly timeout?: number;
  readonly headers?: Headers;
  /** Aborting rejects the request with `ERR_STREAMERSON_ABORTED` (the service may still run it). */
  readonly signal?: AbortSignal;
  /** Shards of the topic; default 1. Requests go round-robin over them, or by `key`. */
  readonly shards?: number;
  /** Routes the request to shard `fnv1a32(key) % shards`, as a Producer routes keyed messages; default round-robin. */
  readonly key?: string;
  /** Sends the request to this shard (below `shards`) instead; not with `key`. */
  readonly shard?: number;
  /** Content type of the payload; default inferred (`binary` for bytes, else `json`). */
  readonly contentType?: ContentType;
  /**
   * Sent as the `idempotency-key` header: a service with idempotency on answers
   * every request with the same key from the reply stored for the first one.
   */
  readonly idempotencyKey?: string;
}

/** A success reply as it arrived (see {@link Client.requestReply}). */
export interface Reply<R = unknown> {
  /** The decoded payload, as {@link Client.request} resolves with. */
  readonly payload: R;
  readonly contentType: ContentType;
  /** The payload's bytes as the replier wrote them: what a gateway or proxy passes on instead of encoding the payload again. */
  readonly bytes: Buffer;
}

/** One message of {@link Client.publishBatch}. */
export interface BatchMessage {
  readonly type: string;
  readonly payload: unknown;
  readonly headers?: Headers;
  readonly contentType?: ContentType;
}

/** Options of a one-way publish. */
export interface PublishOptions {
  readonly headers?: Headers;
  /** Shards of the topic; default 1. Messages go round-robin over them. */
  readonly shards?: number;
  /** Writes to this shard (below `shards`) instead of round-robin. */
  readonly shard?: number;
  readonly contentType?: ContentType;
}

/** Counters of a client since it started. */
export interface ClientStats {
  readonly requests: number;
  readonly replies: number;
  readonly timeouts: number;
  /** Replies that matched no waiting request (late, or not for this client); dropped. */
  readonly unknownReplies: number;
  /** Entries of the reply stream that are not v1 messages; the request one answers fails with its decoding error. */
  readonly badReplies: number;
  readonly engineErrors: number;
  /** Requests waiting for their reply now. */
  readonly inFlight: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** The request's timeout, ms: its lane in {@link Deadlines}. */
  readonly timeout: number;
  /** Where the request went, for the message of its TimeoutError. */
  readonly topic: string;
  readonly type: string;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  /** Resolve with the whole {@link Reply} instead of its payload. */
  readonly whole: boolean;
}

/** Sends requests and one-way messages to services. See {@link ClientOptions} for the defaults. */
export class Client extends EventEmitter<ClientEvents> implements Lifecycle<ClientStats> {
  readonly config: ClientConfig;
  /** The stream this client reads its replies from. */
  readonly replyStream: string;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines = new Deadlines((id) => this.expire(id));
  private readonly stop = new AbortController();
  private seq = 0;
  private rr = 0;
  /** No new request is accepted (draining or closed). */
  private refusing = false;
  private stopped = false;
  private readonly down = new ClosedSignal();
  private draining: Promise<void> | undefined;
  /** Called once the last request in flight settles, while draining. */
  private onIdle: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private reader: BlockingReader | undefined;
  private loop: Promise<void> | undefined;
  private lastId = '0-0';
  private lastTrim = 0;
  private ttlTimer: NodeJS.Timeout | undefined;
  private readonly counts = { requests: 0, replies: 0, timeouts: 0, unknownReplies: 0, badReplies: 0, engineErrors: 0 };

  /** Topic streams written since their last cap trim (bounded by the topics a client writes to). */
  private readonly written = new Set<string>();
  private capTimer: NodeJS.Timeout | undefined;
  /** Pauses after failed reply reads (an engine outage), reset by a read that succeeds. */
  private readonly backoff = new Backoff();

  constructor(
    private readonly engine: Engine,
    options: ClientOptions = {},
  ) {
    super();
    this.config = parseClientOptions(options);
    this.replyStream = this.config.replyStream;
  }

  /** Counters since start. */
  stats(): ClientStats {
    return { ...this.counts, inFlight: this.pending.size };
  }

  /**
   * Creates the reply stream and starts reading it; `request` calls it.
   * Idempotent; a start that failed (engine out of reach) is tried again by the next call.
   */
  start(): Promise<void> {
    if (this.refusing) return Promise.reject(new ClosedError(`client ${this.config.id}`));
    if (this.starting !== undefined) return this.starting;
    const attempt = (async () => {
      // An empty stream must exist before any reply: services append replies with
      // NOMKSTREAM so that a late reply never recreates the stream of a closed client.
      await this.createReplyStream();
      if (this.stopped) return;
      this.ttlTimer = setInterval(() => void this.refreshReplyStream(), Math.max(1, Math.floor(this.config.replyTtlMs / 3)));
      this.ttlTimer.unref();
      this.reader = this.engine.openReader();
      this.loop = this.readReplies(this.reader);
    })();
    this.starting = attempt;
    attempt.catch(() => {
      if (this.starting === attempt && !this.stopped) this.starting = undefined;
    });
    return attempt;
  }

  /**
   * Sends a request and resolves with the reply payload. Rejects with
   * `TimeoutError` (`ERR_STREAMERSON_TIMEOUT`: no reply in time, or a timeout
   * reply), `RemoteError` (`ERR_STREAMERSON_REMOTE`, an error reply),
   * `ProtocolError` (a reply that cannot be decoded), `ERR_STREAMERSON_OVERLOAD`
   * (more than `maxInFlight` waiting), `AbortError` or `ClosedError`.
   */
  request<R = unknown>(topic: string, type: string, payload: unknown, options: RequestOptions = {}): Promise<R> {
    return this.ask<R>(topic, type, payload, options, false);
  }

  /**
   * As {@link request}, resolving with the reply's payload, content type and
   * the payload's bytes as they arrived: a caller that forwards replies can
   * send those bytes on without encoding the payload again.
   */
  requestReply<R = unknown>(topic: string, type: string, payload: unknown, options: RequestOptions = {}): Promise<Reply<R>> {
    return this.ask<Reply<R>>(topic, type, payload, options, true);
  }

  /** Sends a request; resolves with its reply's payload, or with the whole {@link Reply} when `whole`. */
  private ask<R>(topic: string, type: string, payload: unknown, options: RequestOptions, whole: boolean): Promise<R> {
    let timeout: number;
    let shards: number;
    try {
      validateTopic(topic);
      timeout = intOption(options.timeout, 'timeout', this.config.timeout, 1);
      shards = intOption(options.shards, 'shards', 1, 1);
      if (options.key !== undefined && typeof options.key !== 'string') throw new InvalidOptionError('key', `expected a string, got ${typeof options.key}`);
      if (options.key !== undefined && options.shard !== undefined) throw new InvalidOptionError('shard', 'give key or shard, not both');
      intOption(options.shard, 'shard', 0, 0, shards - 1);
      if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      this.admit();
    } catch (error) {
      return Promise.reject(error);
    }
    // Started: no extra promise on the way (the common case, every request but the first).
    if (this.loop !== undefined) return this.send(topic, type, payload, options, timeout, shards, whole);
    return this.start().then(() => {
      this.admit();
      return this.send<R>(topic, type, payload, options, timeout, shards, whole);
    });
  }

  private send<R>(topic: string, type: string, payload: unknown, options: RequestOptions, timeout: number, shards: number, whole: boolean): Promise<R> {
    const id = `${this.config.id}-${(++this.seq).toString(36)}`;
    let fields: FieldValue[];
    try {
      fields = encodeMessageWithHeaders(
        { id, type, replyTo: this.replyStream, payload, ...(options.contentType === undefined ? {} : { contentType: options.contentType }) },
        requestHeaders(options, Date.now() + timeout),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    const shard = options.shard ?? (options.key === undefined ? this.rr++ % shards : shardForKey(options.key, shards));
    const stream = streamKey(topic, shard, shards);
    this.counts.requests++;
    return new Promise<R>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = signal === undefined ? undefined : () => this.settle(id)?.reject(new AbortError(undefined, { cause: signal.reason }));
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timeout, topic, type, signal, onAbort, whole });
      this.deadlines.add(id, timeout);
      signal?.addEventListener('abort', onAbort!, { once: true });
      // Registered before the append: a fast reply must find its request waiting.
      this.engine.append(stream, fields).catch((err: unknown) => this.appendFailed(id, stream, err));
      this.wrote(stream);
    });
  }

  /**
   * A request's append failed. One stored on the primary but not confirmed by
   * enough replicas may still be served, so its reply (or deadline) decides;
   * any other failure is the request's.
   */
  private appendFailed(id: string, stream: string, err: unknown): void {
    if (notReplicated(err)) this.engineError(err, 'request', stream);
    else this.settle(id)?.reject(err);
  }

  /** Appends a one-way message (no reply); resolves with its entry id. */
  async publish(topic: string, type: string, payload: unknown, options: PublishOptions = {}): Promise<string> {
    if (this.stopped) throw new ClosedError(`client ${this.config.id}`);
    validateTopic(topic);
    const shards = intOption(options.shards, 'shards', 1, 1);
    const shard = options.shard === undefined ? this.rr++ % shards : intOption(options.shard, 'shard', 0, 0, shards - 1);
    const fields = encodeMessage({
      type,
      payload,
      source: this.config.id,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    });
    const stream = streamKey(topic, shard, shards);
    const id = await this.engine.append(stream, fields);
    this.wrote(stream);
    return id!;
  }

  /**
   * Appends one-way messages in one pipelined batch; resolves with their entry
   * ids in order. Encoding errors reject before anything is sent.
   */
  async publishBatch(topic: string, messages: readonly BatchMessage[], options: Pick<PublishOptions, 'shards'> = {}): Promise<string[]> {
    if (this.stopped) throw new ClosedError(`client ${this.config.id}`);
    validateTopic(topic);
    if (!Array.isArray(messages)) throw new InvalidOptionError('messages', 'expected an array');
    const shards = intOption(options.shards, 'shards', 1, 1);
    const items = messages.map((m) => ({
      stream: streamKey(topic, this.rr++ % shards, shards),
      fields: encodeMessage({ type: m.type, payload: m.payload, source: this.config.id, headers: m.headers, contentType: m.contentType }),
    }));
    const ids = (await this.engine.appendBatch(items)) as string[];
    for (const item of items) this.wrote(item.stream);
    return ids;
  }

  /** Notes a write to `stream`, so that the next cap trim covers it. */
  private wrote(stream: string): void {
    if (this.config.topicMaxLen === 0) return;
    this.written.add(stream);
    if (this.capTimer !== undefined) return;
    this.capTimer = setTimeout(() => this.capTopics(), this.config.trimIntervalMs);
    this.capTimer.unref();
  }

  /** Caps the topic streams written since the last time (`topicMaxLen`). */
  private capTopics(): void {
    this.capTimer = undefined;
    const retention = { maxLen: this.config.topicMaxLen, approximate: true };
    for (const stream of this.written) this.engine.trim(stream, retention).catch((err: unknown) => this.engineError(err, 'trim', stream));
    this.written.clear();
  }

  /** An empty reply stream with its time to live (a marker entry makes it, then goes). */
  private async createReplyStream(): Promise<void> {
    const marker = await this.engine.append(this.replyStream, encodeMessage({ payload: null, source: this.config.id })).catch((err: unknown) => {
      // On the primary all the same, and the only entry of the stream; a failover that loses it is a lost stream, made again.
      if (notReplicated(err)) return this.engine.lastId(this.replyStream);
      throw err;
    });
    if (marker !== null) {
      if (this.lastId === '0-0') this.lastId = marker;
      await this.engine.deleteEntries(this.replyStream, [marker]);
    }
    await this.engine.expire(this.replyStream, this.config.replyTtlMs);
  }

  /**
   * Keeps the reply stream alive. If it expired anyway (the engine was out of
   * reach longer than the TTL), it is made again: replies go with NOMKSTREAM
   * and would otherwise be dropped.
   */
  private async refreshReplyStream(): Promise<void> {
    try {
      if (!(await this.engine.expire(this.replyStream, this.config.replyTtlMs)) && !this.stopped) await this.createReplyStream();
    } catch (err) {
      this.engineError(err, 'refresh');
    }
  }

  /**
   * Refuses new requests, waits until every request in flight has its reply
   * (or its timeout), then closes. Idempotent.
   */
  drain(): Promise<void> {
    this.refusing = true;
    this.draining ??= (async () => {
      if (this.pending.size > 0)
        await new Promise<void>((resolve) => {
          this.onIdle = resolve;
        });
      await this.close();
    })();
    return this.draining;
  }

  /** Rejects requests in flight with `ClosedError`, stops reading and deletes the reply stream. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Stops at once: requests in flight reject with `ClosedError` (or `error`), reading stops; `closed` resolves with `error`. */
  destroy(error?: Error): void {
    if (this.down.settled) return;
    this.stopRequests(error);
    this.reader?.close().catch(() => undefined);
    this.down.settle(error);
  }

  /** Settles once the client is down: `undefined` after drain or close, else the error given to `destroy()`. */
  get closed(): Promise<Error | undefined> {
    return this.down.promise;
  }

  /** `await using`: drains (requests in flight get their replies), then closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  private stopRequests(error?: Error): void {
    this.refusing = true;
    this.stopped = true;
    this.stop.abort();
    clearInterval(this.ttlTimer);
    clearTimeout(this.capTimer);
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error ?? new ClosedError(`client ${this.config.id}`));
  }

  private async shutdown(): Promise<void> {
    this.stopRequests();
    await this.starting?.catch(() => undefined);
    await this.reader?.close();
    await this.loop;
    if (this.starting !== undefined) await this.engine.deleteStreams([this.replyStream]).catch(() => undefined);
    this.down.settle();
  }

  /** Counts, logs (through the configured logger) and emits an error the client carries on from. */
  private engineError(err: unknown, op: ClientErrorContext['op'], stream = this.replyStream): void {
    this.counts.engineErrors++;
    const context = { op, stream };
    this.config.logger.error({ err, client: this.config.id, ...context }, `client ${this.config.id}: ${op} failed`);
    if (this.listenerCount('error') > 0) this.emit('error', err, context);
  }

  private admit(): void {
    if (this.refusing) throw new ClosedError(`client ${this.config.id}`);
    if (this.pending.size >= this.config.maxInFlight) {
      throw new StreamersonError(
        'ERR_STREAMERSON_OVERLOAD',
        `client ${this.config.id} has ${this.pending.size} requests in flight (maxInFlight ${this.config.maxInFlight})`,
      );
    }
  }

  /** Rejects a request whose time ran out with its TimeoutError. */
  private expire(id: string): void {
    const p = this.settle(id);
    if (p === undefined) return;
    this.counts.timeouts++;
    p.reject(new TimeoutError(`no reply to "${p.type}" on "${p.topic}" within ${p.timeout} ms`, p.timeout, id));
  }

  /** Removes a waiting request and clears its timer and abort listener; the caller settles it. */
  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    this.deadlines.remove(id, p.timeout);
    if (this.pending.size === 0 && this.onIdle !== undefined) {
      const idle = this.onIdle;
      this.onIdle = undefined;
      idle();
    }
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    return p;
  }

  private async readReplies(reader: BlockingReader): Promise<void> {
    const { blockMs, readCount } = this.config;
    while (!this.stopped) {
      let batches: StreamEntries[];
      try {
        batches = await reader.read([{ stream: this.replyStream, after: this.lastId }], { count: readCount, blockMs });
      } catch (err) {
        if (this.stopped) return;
        this.engineError(err, 'read');
        await delay(this.backoff.next(), undefined, { signal: this.stop.signal }).catch(() => undefined);
        continue;
      }
      this.backoff.reset();
      for (const { stream, entries } of batches) {
        for (const entry of entries) {
          this.lastId = entry.id;
          this.deliver(decodeEntry(stream, entry), entry);
        }
      }
      this.maybeTrim();
    }
  }

  private deliver(msg: Message | ProtocolError, entry: RawEntry): void {
    if (msg instanceof ProtocolError) {
      this.counts.badReplies++;
      // A reply that cannot be decoded fails the request it answers at once, with the decoding error.
      const id = rawMessageId(msg.raw);
      if (id !== undefined) this.settle(id)?.reject(msg);
      return;
    }
    const waiting = this.settle(msg.id);
    if (waiting === undefined) {
      this.counts.unknownReplies++;
      return;
    }
    this.counts.replies++;
    const status = Number(msg.headers[STATUS_HEADER] ?? '200');
    if (status < 400) {
      // A decoded entry has a `p` field.
      waiting.resolve(waiting.whole ? ({ payload: msg.payload, contentType: msg.contentType, bytes: payloadBytes(entry)! } satisfies Reply) : msg.payload);
      return;
    }
    const error = errorPayload(msg);
    // A deadline that passed while the handler ran is a timeout, whoever noticed it first.
    if (error.code === 'ERR_STREAMERSON_TIMEOUT') {
      this.counts.timeouts++;
      waiting.reject(
        new TimeoutError(`"${waiting.type}" on "${waiting.topic}" did not finish within ${waiting.timeout} ms: ${error.message}`, waiting.timeout, msg.id),
      );
    } else {
      waiting.reject(new RemoteError(status, error, msg.id));
    }
  }

  /** Consumed replies are dropped from the stream at most once per `trimIntervalMs`. */
  private maybeTrim(): void {
    const now = Date.now();
    if (this.lastId === '0-0' || now - this.lastTrim < this.config.trimIntervalMs) return;
    this.lastTrim = now;
    this.engine.trim(this.replyStream, { minId: this.lastId }).catch((err: unknown) => this.engineError(err, 'trim'));
  }
}

/** The `{code, message, details}` of an error reply; tolerant of replies written by other implementations. */
function errorPayload(msg: Message): ErrorReplyPayload {
  const p = msg.payload as Partial<ErrorReplyPayload> | null;
  const code = typeof p?.code === 'string' ? p.code : (msg.headers[ERROR_HEADER] ?? 'ERR_STREAMERSON_REMOTE');
  const message = typeof p?.message === 'string' ? p.message : `error reply with status ${msg.headers[STATUS_HEADER]}`;
  return p !== null && typeof p === 'object' && 'details' in p ? { code, message, details: p.details } : { code, message };
}

/** The `h` field of a request: the caller's headers, its deadline and its idempotency key. */
function requestHeaders(options: RequestOptions, deadline: number): string {
  const own: Record<string, string> = { [DEADLINE_HEADER]: String(deadline) };
  if (options.idempotencyKey !== undefined) {
    if (typeof options.idempotencyKey !== 'string' || options.idempotencyKey === '') {
      throw new InvalidOptionError('idempotencyKey', 'expected a non-empty string');
    }
    own[IDEMPOTENCY_KEY_HEADER] = options.idempotencyKey;
  }
  return encodeHeadersWith(options.headers, own);
}

/** An append stored on the primary that too few replicas confirmed in time. */
function notReplicated(err: unknown): boolean {
  return err instanceof StreamersonError && err.code === 'ERR_STREAMERSON_NOT_REPLICATED';
}
