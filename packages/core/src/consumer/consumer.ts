import { EventEmitter } from 'node:events';
import type { ReadableOptions } from 'node:stream';
import type { BlockingReader, Engine, RawEntry } from '../engine/types.js';
import { Backoff } from '../backoff.js';
import { ClosedError, ProtocolError, StreamersonError } from '../errors.js';
import { ConsumerReadable } from '../facades/readable.js';
import { streamKey } from '../keys.js';
import { ClosedSignal, type Lifecycle } from '../lifecycle.js';
import { decodeEntry } from '../protocol/codec.js';
import { AckBatcher } from './ack-batcher.js';
import type { ConsumedMessage, RetryEvent } from './consumed-message.js';
import { parseConsumerOptions, REFILL_THRESHOLD, type ConsumerConfig, type ConsumerOptions } from './consumer-options.js';
import { CreditBuffer } from './credit-buffer.js';
import { DeliveredMessage } from './delivered-message.js';
import { EngineOffsetStore, type OffsetStore } from './offset-store.js';
import { runReadLoop, type ReadLoopHost, type ReadTarget } from './read-loop.js';

type Style = 'for-await' | 'events' | 'readable';

const RETRYABLE = new Set(['ERR_STREAMERSON_CONNECTION', 'ERR_STREAMERSON_ENGINE', 'ERR_STREAMERSON_NO_GROUP']);

function isRetryable(error: unknown): boolean {
  return error instanceof StreamersonError && RETRYABLE.has(error.code);
}

const ackNothing = (): Promise<void> => Promise.resolve();

/** What {@link Consumer.stats} reports. */
export interface ConsumerStats {
  /** `idle` (not started), `running`, `draining` or `closed`. */
  readonly state: 'idle' | 'running' | 'draining' | 'closed';
  /** Messages held in the buffer, not yet delivered. */
  readonly buffered: number;
  /** Messages delivered so far. */
  readonly delivered: number;
  /** Entries that could not be decoded so far. */
  readonly badEntries: number;
}

/** Events of a {@link Consumer}. */
export interface ConsumerEvents<P = unknown> {
  /** Events style: one message; a listener returning a promise is awaited before the next. */
  message: [message: ConsumedMessage<P>];
  /** Events style: the last message was delivered. */
  end: [];
  /** The consumer failed (events style), a `'message'` listener threw, or an automatic ack failed. */
  error: [error: unknown];
  /** An engine error will be retried after a delay. */
  retry: [event: RetryEvent];
  /** An entry that does not follow the wire protocol (unless `onBadEntry` is set); `ack` acknowledges it in group mode. */
  badEntry: [error: ProtocolError, ack: () => Promise<void>];
}

/**
 * Reads a topic (all its shards, or `assignedShards`) in one of three modes —
 * `latest`, `from`, `group` (see {@link ConsumerOptions}) — and delivers
 * {@link ConsumedMessage}s in ONE of three styles; a second style throws
 * `ERR_STREAMERSON_CONSUMPTION_STYLE`:
 *
 * - `for await (const m of consumer)` — breaking out closes the consumer;
 * - events ({@link ConsumerEvents}): adding a `'message'` listener starts delivery; messages go one at a
 *   time, and a listener that returns a promise is awaited before the next;
 *   `'end'` follows the last message;
 * - `consumer.readable()`, an object-mode Readable.
 *
 * Reading starts on first use. Reads block on a dedicated reader (one per
 * stream on a Redis Cluster) and ask for as many entries as the buffer
 * (`prefetch`) has free slots, once it is at or below half full, so that each
 * read fetches at least half of `prefetch`; a slow user therefore stops the
 * reads instead of growing memory.
 *
 * A message is *processed* when the next one is asked for (or, with events,
 * when its listeners are done). Processed messages are acked when `autoAck` is
 * on (group mode) and advance the stored offset (`from` mode with an offset).
 *
 * Entries that do not decode never stop the consumer: they go to `onBadEntry`
 * or the `'badEntry'` event `(error: ProtocolError, ack)`. In group mode such
 * an entry stays pending unless acked there.
 *
 * Engine errors (connection lost, engine replies) are retried forever with a
 * backoff from `retryMinMs` doubling up to `retryMaxMs`, with jitter
 * ({@link Backoff}), each reported as a
 * `'retry'` event ({@link RetryEvent}). A group deleted while in use is
 * recreated at `startAt` and this consumer's pending entries are re-read. Other
 * errors fail the consumer: iteration throws, the Readable errors, events
 * style emits `'error'`, and {@link closed} resolves with the error.
 *
 * Lifecycle ({@link Lifecycle}): `start()`, `drain()` (stop reading, deliver
 * what is buffered, then close), `close()`, `destroy()`, `closed`, `stats()`;
 * `await using` drains, then closes.
 *
 * The consumer does not own the engine: closing it leaves the engine open.
 */
export class Consumer<P = unknown> extends EventEmitter<ConsumerEvents<P>> implements AsyncIterable<ConsumedMessage<P>>, Lifecycle<ConsumerStats> {
  /** The parsed, frozen options. */
  readonly config: ConsumerConfig;
  readonly #engine: Engine;
  readonly #buffer: CreditBuffer<DeliveredMessage<P>>;
  readonly #acks: AckBatcher | null;
  readonly #offsets: OffsetStore | null;
  #style: Style | null = null;
  #state: 'idle' | 'running' | 'draining' | 'closed' = 'idle';
  #starting: Promise<void> | null = null;
  #loops: Promise<void>[] = [];
  #loopsDone = false;
  readonly #readers: BlockingReader[] = [];
  readonly #sleeps = new Set<() => void>();
  #inHand: DeliveredMessage<P> | null = null;
  #failure: unknown = null;
  #delivered = 0;
  #badEntries = 0;
  readonly #processed = new Map<string, string>();
  #offsetsDirty = false;
  #commitTimer: NodeJS.Timeout | null = null;
  #committing: Promise<void> = Promise.resolve();
  #commitAttempt = 0;
  #closing: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  #drained: (() => void) | null = null;
  readonly #closed = new ClosedSignal();
  readonly #backoff: Backoff;

  constructor(engine: Engine, options: ConsumerOptions) {
    super();
    this.#engine = engine;
    this.config = parseConsumerOptions(options);
    const { prefetch, mode, group, offsetStore, offsetName, retryMinMs, retryMaxMs } = this.config;
    this.#backoff = new Backoff({ minMs: retryMinMs, maxMs: retryMaxMs });
    this.#buffer = new CreditBuffer(prefetch, Math.floor(prefetch * REFILL_THRESHOLD), this.config.assignedShards.length);
    this.#acks =
      mode === 'group'
        ? // A failed automatic ack leaves its messages pending; they are delivered again later.
          new AckBatcher(engine, group, (error) => this.listenerCount('error') > 0 && this.emit('error', error))
        : null;
    this.#offsets = offsetStore ?? (offsetName !== undefined ? new EngineOffsetStore(engine, offsetName) : null);
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event !== 'message' || this.#style === 'events') return;
      this.#claim('events');
      void this.#runEvents();
    });
  }

  /** Settles once the consumer is down: with the error that failed it, if any (see {@link Lifecycle.closed}). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  stats(): ConsumerStats {
    return { state: this.#state, buffered: this.#buffer.length, delivered: this.#delivered, badEntries: this.#badEntries };
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumedMessage<P>> {
    this.#claim('for-await');
    return {
      // A buffered message is handed over in an already settled promise: no async frame and one
      // microtask per message instead of three; only an empty buffer takes the waiting path.
      next: () => {
        let m: DeliveredMessage<P> | null | undefined;
        try {
          m = this.#take();
        } catch (error) {
          return Promise.reject(error);
        }
        return m === undefined ? this.#wait().then(iteratorResult) : Promise.resolve(iteratorResult(m));
      },
      return: async () => {
        this.#finishInHand();
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** The object-mode Readable style; destroying the Readable closes the consumer. */
  readable(options: Omit<ReadableOptions, 'objectMode' | 'read' | 'destroy'> = {}): ConsumerReadable<P> {
    this.#claim('readable');
    return new ConsumerReadable(this, () => this.#pull(), options);
  }

  /**
   * Stops reading (interrupting a blocking read), drops buffered messages —
   * in group mode they stay pending — saves processed offsets, sends pending
   * acks and ends delivery. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  /**
   * Stops reading, lets the messages already buffered be delivered and
   * processed (acked with `autoAck`), then closes. Resolves once the user has
   * taken the last buffered message; a consumer that nobody consumes from (no
   * style claimed yet) closes at once. Idempotent.
   */
  drain(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#draining ??= (async () => {
      if (this.#state === 'idle' || this.#style === null) return this.close();
      this.#state = 'draining';
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      await this.#stopReading();
      this.#buffer.wake();
      await drained;
      await this.close();
    })();
    return this.#draining;
  }

  /**
   * Closes now without saving offsets or waiting for acks; `error`, when
   * given, fails iteration and is what {@link closed} resolves with. Idempotent.
   */
  destroy(error?: Error): void {
    if (error !== undefined && this.#failure === null && this.#state !== 'closed') {
      this.#failure = error;
      this.#buffer.wake();
    }
    this.#closing ??= this.#shutdown(false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  #claim(style: Style): void {
    if (this.#style !== null) {
      throw new StreamersonError(
        'ERR_STREAMERSON_CONSUMPTION_STYLE',
        `consumer already used with ${this.#style}; a consumer delivers in one style only (asked for ${style})`,
      );
    }
    this.#style = style;
  }

  /**
   * Starts reading now instead of on first use, and resolves once the consumer
   * is positioned (a `latest` consumer has taken the stream ends, a group
   * consumer has created its group): what is appended afterwards is delivered.
   * Starting claims no consumption style. Rejects when the consumer failed.
   */
  async start(): Promise<void> {
    if (this.#closing !== null || this.#state === 'closed') throw new ClosedError('consumer');
    this.#ensureStarted();
    await this.#starting;
    if (this.#failure !== null) throw this.#failure;
  }

  #ensureStarted(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#starting = this.#start().catch((error: unknown) => this.#fail(error));
  }

  /** The next message, waiting for one if need be; null once delivery has ended. */
  async #pull(): Promise<DeliveredMessage<P> | null> {
    const m = this.#take();
    return m === undefined ? this.#wait() : m;
  }

  /** Ends the message in hand and takes the next one now (see {@link #poll}), starting delivery first. */
  #take(): DeliveredMessage<P> | null | undefined {
    this.#finishInHand();
    this.#ensureStarted();
    return this.#poll();
  }

  /** Waits for a message after {@link #take} found none. */
  async #wait(): Promise<DeliveredMessage<P> | null> {
    for (;;) {
      await this.#buffer.waitForItem();
      const m = this.#poll();
      if (m !== undefined) return m;
    }
  }

  /**
   * What delivery can give now: the next buffered message (then in hand),
   * null once delivery has ended, or undefined when it has to wait for one.
   * Throws the error that failed the consumer.
   */
  #poll(): DeliveredMessage<P> | null | undefined {
    if (this.#failure !== null) throw this.#failure;
    const m = this.#buffer.shift();
    if (m !== undefined && this.#state !== 'closed') {
      this.#inHand = m;
      this.#delivered++;
      return m;
    }
    if (this.#state === 'closed') return null;
    if (this.#state === 'draining' && this.#loopsDone) {
      this.#drained?.();
      return null;
    }
    return undefined;
  }

  async #runEvents(): Promise<void> {
    try {
      for (let m = await this.#pull(); m !== null; m = await this.#pull()) {
        for (const listener of this.listeners('message')) {
          try {
            await (listener as (m: ConsumedMessage<P>) => unknown).call(this, m);
          } catch (error) {
            this.emit('error', error);
          }
        }
      }
      this.emit('end');
    } catch (error) {
      this.emit('error', error);
    }
  }

  async #start(): Promise<void> {
    const { topic, shards, assignedShards } = this.config;
    const streams = assignedShards.map((s) => streamKey(topic, s, shards));
    const targets = await this.#withRetry('start', () => this.#resolveTargets(streams));
    if (targets === null || this.#state === 'closed' || this.#state === 'draining') {
      this.#loopsDone = true;
      return;
    }
    const host: ReadLoopHost = {
      engine: this.#engine,
      config: this.config,
      buffer: this.#buffer as CreditBuffer<DeliveredMessage>,
      decode: (stream, entries, redelivered) => this.#decode(stream, entries, redelivered),
      recover: (error, attempt, t) => this.#recover(error, attempt, t),
    };
    // Engines that cannot block on several streams with one connection get a reader per stream.
    const groups = this.#engine.capabilities.multiStreamBlockingRead ? [targets] : targets.map((t) => [t]);
    for (const group of groups) {
      const reader = this.#engine.openReader();
      this.#readers.push(reader);
      this.#loops.push(runReadLoop(host, reader, group).catch((error: unknown) => this.#fail(error)));
    }
    void Promise.all(this.#loops).then(() => {
      this.#loopsDone = true;
      this.#buffer.wake();
    });
  }

  async #resolveTargets(streams: string[]): Promise<ReadTarget[]> {
    const { mode, group, startAt, fromAfter } = this.config;
    return Promise.all(
      streams.map(async (stream): Promise<ReadTarget> => {
        if (mode === 'latest') return { stream, after: await this.#engine.lastId(stream), pendingAfter: null };
        if (mode === 'from') return { stream, after: (await this.#offsets?.load(stream)) ?? fromAfter, pendingAfter: null };
        await this.#engine.createGroup(stream, group, startAt);
        return { stream, after: '>', pendingAfter: '0-0' };
      }),
    );
  }

  #decode(stream: string, entries: readonly RawEntry[], redelivered: boolean): DeliveredMessage[] {
    const out: DeliveredMessage[] = [];
    for (const entry of entries) {
      const decoded = decodeEntry(stream, entry);
      if (decoded instanceof ProtocolError) {
        this.#badEntries++;
        const ack = this.#acks ? () => (this.#acks as AckBatcher).ack(stream, entry.id) : ackNothing;
        if (this.config.onBadEntry) this.config.onBadEntry(decoded, ack);
        else this.emit('badEntry', decoded, ack);
        continue;
      }
      out.push(new DeliveredMessage(decoded, redelivered, this.#acks));
    }
    return out;
  }

  async #recover(error: unknown, attempt: number, targets: ReadTarget[]): Promise<boolean> {
    if (this.#state !== 'running') return false;
    if (!isRetryable(error)) {
      this.#fail(error);
      return false;
    }
    const delayMs = this.#backoff.delay(attempt);
    this.emit('retry', { error, operation: 'read', attempt, delayMs } satisfies RetryEvent);
    await this.#sleep(delayMs);
    if (this.#state !== 'running') return false;
    if (error instanceof StreamersonError && error.code === 'ERR_STREAMERSON_NO_GROUP') {
      try {
        for (const t of targets) {
          await this.#engine.createGroup(t.stream, this.config.group, this.config.startAt);
          t.pendingAfter = '0-0';
        }
      } catch {
        // The next read fails again and is retried with a longer delay.
      }
    }
    return true;
  }

  async #withRetry<T>(operation: RetryEvent['operation'], fn: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!isRetryable(error) || this.#state !== 'running') throw error;
        const delayMs = this.#backoff.delay(attempt);
        this.emit('retry', { error, operation, attempt, delayMs } satisfies RetryEvent);
        await this.#sleep(delayMs);
        if (this.#state !== 'running') return null;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleeps.add(wake);
    });
  }

  #finishInHand(): void {
    const m = this.#inHand;
    if (m === null) return;
    this.#inHand = null;
    if (this.config.autoAck) m.autoAck();
    if (this.#offsets) {
      this.#processed.set(m.stream, m.entryId);
      this.#offsetsDirty = true;
      this.#commitTimer ??= setTimeout(() => {
        this.#commitTimer = null;
        void this.#commitOffsets();
      }, this.config.offsetCommitMs).unref();
    }
  }

  #commitOffsets(): Promise<void> {
    this.#committing = this.#committing.then(async () => {
      const offsets = this.#offsets;
      if (!offsets || !this.#offsetsDirty) return;
      this.#offsetsDirty = false;
      const snapshot = [...this.#processed];
      try {
        await Promise.all(snapshot.map(([stream, id]) => offsets.save(stream, id)));
        this.#commitAttempt = 0;
      } catch (error) {
        this.#offsetsDirty = true;
        const delayMs = this.config.offsetCommitMs;
        this.emit('retry', { error, operation: 'commit-offsets', attempt: ++this.#commitAttempt, delayMs } satisfies RetryEvent);
        if (this.#state !== 'closed') {
          this.#commitTimer ??= setTimeout(() => {
            this.#commitTimer = null;
            void this.#commitOffsets();
          }, delayMs).unref();
        }
      }
    });
    return this.#committing;
  }

  async #stopReading(): Promise<void> {
    this.#buffer.stop();
    for (const wake of [...this.#sleeps]) wake();
    await Promise.allSettled(this.#readers.map((r) => r.close()));
    await this.#starting;
    await Promise.all(this.#loops);
  }

  #fail(error: unknown): void {
    if (this.#failure !== null || this.#state === 'closed') return;
    this.#failure = error;
    this.#buffer.wake();
    void this.close();
  }

  async #shutdown(graceful: boolean): Promise<void> {
    this.#state = 'closed';
    this.#drained?.();
    if (this.#commitTimer) clearTimeout(this.#commitTimer);
    this.#commitTimer = null;
    const stopped = this.#stopReading();
    this.#buffer.clear();
    this.#buffer.wake();
    try {
      await stopped;
      if (!graceful) return;
      await this.#commitOffsets();
      await this.#acks?.flush();
    } finally {
      this.#closed.settle(this.#failure === null ? undefined : asError(this.#failure));
    }
  }
}

function iteratorResult<P>(m: DeliveredMessage<P> | null): IteratorResult<ConsumedMessage<P>> {
  return m ? { value: m, done: false } : { value: undefined, done: true };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
