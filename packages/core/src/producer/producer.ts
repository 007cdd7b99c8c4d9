import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Writable, WritableOptions } from 'node:stream';
import type { AppendItem, Engine } from '../engine/types.js';
import { ClosedError, InvalidOptionError, StreamersonError } from '../errors.js';
import { createProducerWritable } from '../facades/writable.js';
import { streamKey } from '../keys.js';
import { ClosedSignal, type Lifecycle } from '../lifecycle.js';
import { encodeMessage } from '../protocol/codec.js';
import type { OutgoingMessage } from '../protocol/types.js';
import { parseProducerOptions, type ProducerConfig, type ProducerOptions } from './producer-options.js';
import { shardForKey } from './shard-hash.js';

const NO_OPTIONS: SendOptions = Object.freeze({});

/** Per-message options of {@link Producer.send}. */
export interface SendOptions extends Omit<OutgoingMessage, 'payload' | 'source'> {
  /** Routing key: messages with the same key go to the same shard (and so stay in order). */
  readonly key?: string;
}

/** A message with its routing key, as {@link Producer.sendMessage} and the Writable facade take it. A decoded `Message` can be written as is. */
export interface ProducerRecord<P = unknown> extends OutgoingMessage<P> {
  readonly key?: string;
}

/** What a stored message is known by. */
export interface Receipt {
  /** Stream (shard) the message was appended to. */
  readonly stream: string;
  /** Stream entry id. For a duplicate, the id of the first append. */
  readonly id: string;
  /** Message id: the one given or generated, else the entry id. */
  readonly messageId: string;
  /** Idempotent producers: the message id was already appended within the dedupe window; nothing was written. */
  readonly duplicate: boolean;
}

/** What {@link Producer.stats} reports. */
export interface ProducerStats {
  /** `open`, `closing` (draining what is queued) or `closed`. */
  readonly state: 'open' | 'closing' | 'closed';
  /** Messages queued or in flight. */
  readonly pending: number;
  /** Messages stored (including idempotent duplicates). */
  readonly sent: number;
  /** Messages that failed (encoding, overload, engine errors, closing). */
  readonly failed: number;
}

/** Events of a {@link Producer}. */
export interface ProducerEvents {
  /** A fire-and-forget send failed (emitted only while an `'error'` listener exists). */
  error: [error: unknown];
}

/** A message waiting for its batch; it is its own {@link AppendItem}, so a batch goes to the engine as is. */
interface Queued extends AppendItem {
  readonly messageId: string;
  readonly resolve: (receipt: Receipt) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes messages to a topic. `send` never waits for I/O: it queues the message
 * and returns a receipt promise. Messages sent in the same event-loop turn go
 * out together, up to `maxBatch` per `appendBatch` round trip (idempotent
 * producers send one atomic append per message, all concurrently). Batches are
 * pipelined in send order, so messages of one shard keep their order.
 *
 * Events ({@link ProducerEvents}): `'error'` (fire-and-forget failures only,
 * and only when a listener exists — see {@link Producer.send}).
 *
 * Lifecycle ({@link Lifecycle}): ready when made (`start()` resolves at once);
 * `close()` and `drain()` both refuse new sends and wait until every message
 * already accepted is stored or failed — a send that returned a promise is
 * never dropped by a graceful shutdown; `destroy()` rejects what is queued.
 *
 * The producer does not own the engine: closing it leaves the engine open.
 */
export class Producer<P = unknown> extends EventEmitter<ProducerEvents> implements Lifecycle<ProducerStats> {
  /** The parsed, frozen options. */
  readonly config: ProducerConfig;
  readonly #engine: Engine;
  #queue: Queued[] = [];
  #inFlight = 0;
  readonly #batches = new Set<Promise<void>>();
  #scheduled: NodeJS.Immediate | null = null;
  #nextShard = 0;
  #sent = 0;
  #failed = 0;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | null = null;
  readonly #closed = new ClosedSignal();

  constructor(engine: Engine, options: ProducerOptions) {
    super();
    this.#engine = engine;
    this.config = parseProducerOptions(options);
  }

  /** Settles once the producer is down (see {@link Lifecycle.closed}). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  stats(): ProducerStats {
    return { state: this.#state, pending: this.#pending(), sent: this.#sent, failed: this.#failed };
  }

  /** A producer is ready when made; rejects with `ERR_STREAMERSON_CLOSED` once closing. */
  start(): Promise<void> {
    return this.#state === 'open' ? Promise.resolve() : Promise.reject(new ClosedError('producer'));
  }

  #pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Queues `payload` for the topic. Never waits for I/O; resolves with the
   * {@link Receipt} once stored. Rejects with `ERR_STREAMERSON_OVERLOAD` when
   * `maxPending` messages are already queued or in flight, `ERR_STREAMERSON_CLOSED`
   * after `close()`/`destroy()`, `ERR_STREAMERSON_BAD_PAYLOAD` when the payload
   * cannot be encoded, or with the engine's error.
   *
   * Fire-and-forget producers return the same promise, but it already has a
   * rejection handler, so ignoring it never causes an unhandled rejection; the
   * failure is also emitted as an `'error'` event when the producer has an
   * `'error'` listener, and counted in {@link failed} either way.
   */
  send(payload: P, options: SendOptions = NO_OPTIONS): Promise<Receipt> {
    return this.#send(payload, options);
  }

  /** Same as {@link send}, for a whole record (payload, key, id, type, headers, …). */
  sendMessage(record: ProducerRecord<P>): Promise<Receipt> {
    return this.#send(record.payload, record);
  }

  #send(payload: P, options: SendOptions): Promise<Receipt> {
    let resolve!: (r: Receipt) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<Receipt>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (this.config.durability === 'fire-and-forget') promise.catch(() => undefined);
    try {
      this.#enqueue(payload, options, resolve, reject);
    } catch (error) {
      this.#fail(reject, error);
    }
    return promise;
  }

  /** Resolves when every message queued so far is stored or failed. */
  async flush(): Promise<void> {
    this.#dispatch();
    await Promise.all([...this.#batches]);
  }

  /** Refuses further sends with `ERR_STREAMERSON_CLOSED`, and resolves once every message accepted before is stored or failed. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#state = 'closing';
    this.#closing = this.flush().then(() => {
      this.#state = 'closed';
      this.#closed.settle();
    });
    return this.#closing;
  }

  /** The same as {@link close}: a producer has no work of its own beyond the messages accepted. */
  drain(): Promise<void> {
    return this.close();
  }

  /**
   * Rejects queued messages now with `ERR_STREAMERSON_CLOSED` (its `cause` is
   * `error`); messages already in flight still settle, and {@link closed}
   * settles after them. Idempotent.
   */
  destroy(error?: Error): void {
    const first = this.#state !== 'closed';
    this.#state = 'closed';
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const queued = this.#queue;
    this.#queue = [];
    for (const item of queued) this.#fail(item.reject, new ClosedError('producer', error === undefined ? undefined : { cause: error }));
    if (!first) return;
    const inFlight = Promise.all([...this.#batches]).then(() => this.#closed.settle(error));
    this.#closing ??= inFlight;
  }

  /** An object-mode Writable that sends each chunk (a {@link ProducerRecord}); `end()` flushes but leaves the producer open. */
  writable(options: Omit<WritableOptions, 'objectMode' | 'write' | 'writev' | 'final' | 'destroy'> = {}): Writable {
    return createProducerWritable(this, options, false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  #fail(reject: (e: unknown) => void, error: unknown): void {
    this.#failed++;
    if (this.config.durability === 'fire-and-forget' && this.listenerCount('error') > 0) this.emit('error', error);
    reject(error);
  }

  #succeed(q: Queued, receipt: Receipt): void {
    this.#sent++;
    q.resolve(receipt);
  }

  #enqueue(payload: P, record: SendOptions, resolve: (r: Receipt) => void, reject: (e: unknown) => void): void {
    if (this.#state !== 'open') throw new ClosedError('producer');
    if (this.#pending() >= this.config.maxPending) {
      throw new StreamersonError('ERR_STREAMERSON_OVERLOAD', `producer has ${this.#pending()} messages pending (maxPending ${this.config.maxPending})`);
    }
    const idempotent = this.config.durability === 'idempotent';
    const messageId = record.id ? record.id : idempotent ? randomUUID() : '';
    const fields = encodeMessage({
      id: messageId,
      type: record.type,
      replyTo: record.replyTo,
      headers: record.headers,
      contentType: record.contentType,
      source: this.config.source,
      payload,
    });
    const retention = this.config.retention;
    const stream = this.#route(record.key);
    this.#queue.push(retention ? { stream, fields, retention, messageId, resolve, reject } : { stream, fields, messageId, resolve, reject });
    this.#scheduled ??= setImmediate(() => this.#dispatch());
  }

  #route(key: string | undefined): string {
    const { topic, shards, routing } = this.config;
    if (shards === 1) return streamKey(topic);
    if (routing === 'hash' && key === undefined) throw new InvalidOptionError('key', 'a key is required with routing "hash"');
    const shard = routing !== 'round-robin' && key !== undefined ? shardForKey(key, shards) : this.#nextShard++ % shards;
    return streamKey(topic, shard, shards);
  }

  #dispatch(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.config.maxBatch);
      this.#inFlight += batch.length;
      const done = (this.config.durability === 'idempotent' ? this.#appendIdempotent(batch) : this.#appendBatch(batch)).finally(() => {
        this.#inFlight -= batch.length;
        this.#batches.delete(done);
      });
      this.#batches.add(done);
    }
  }

  async #appendBatch(batch: Queued[]): Promise<void> {
    let ids: (string | null)[];
    try {
      ids = await this.#engine.appendBatch(batch);
    } catch (error) {
      for (const q of batch) this.#fail(q.reject, error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const q = batch[i]!;
      const id = ids[i];
      if (typeof id === 'string') this.#succeed(q, { stream: q.stream, id, messageId: q.messageId || id, duplicate: false });
      else this.#fail(q.reject, new StreamersonError('ERR_STREAMERSON_ENGINE', `append to "${q.stream}" returned no id`));
    }
  }

  async #appendIdempotent(batch: Queued[]): Promise<void> {
    const { dedupeWindowMs, retention } = this.config;
    await Promise.all(
      batch.map(async (q) => {
        try {
          const r = await this.#engine.appendIdempotent(q.stream, q.fields, q.messageId, dedupeWindowMs, retention ? { retention } : {});
          this.#succeed(q, { stream: q.stream, id: r.id, messageId: q.messageId, duplicate: r.duplicate });
        } catch (error) {
          this.#fail(q.reject, error);
        }
      }),
    );
  }
}
