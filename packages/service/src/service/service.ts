/**
 * A service: members of one consumer group reading a topic, running a handler
 * per message type and replying to requests. At-least-once: an entry is
 * acknowledged only after its reply (or dead letter) was written; failures are
 * retried with backoff, then dead-lettered; entries abandoned by a dead member
 * are claimed by live ones.
 *
 * This file is the API and the lifecycle. The parts of a member, one concept
 * each: `read-loop.ts` (the loop), `reads-behind-writes.ts` (writes that ride
 * on a read), `claims.ts` (retries, the refresh of long runs), `suspects.ts`
 * (own backlog and abandoned entries, each run alone),
 * `retry-queue.ts`, `in-progress.ts` (slots held by running entries),
 * `outcome.ts` (what an entry gets) and `outbox.ts` (its writes).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  ClosedError,
  InvalidOptionError,
  topicStreams,
  type BlockingReader,
  type Engine,
  type Lifecycle,
  type RawEntry,
  type StreamAcks,
  type StreamersonError,
} from '@streamerson/core';
import { ClosedSignal, settlesWithin } from '@streamerson/core/internal';
import { rawMessageId } from '../message-id.js';
import { Client } from '../client/client.js';
import { Announcer } from '../registry/registry.js';
import { Claims } from './claims.js';
import type { Handler, HandlerOptions } from './handler.js';
import type { Hooks } from './hooks.js';
import { InProgress } from './in-progress.js';
import { ensureGroups, pruneSilentMembers } from './membership.js';
import { Outbox } from './outbox.js';
import { Outcomes, type Registered } from './outcome.js';
import { ReadLoop } from './read-loop.js';
import { ReplyStore } from './reply-store.js';
import { RetryQueue } from './retry-queue.js';
import { TopicRetention } from './retention.js';
import { compileSchema } from './schema.js';
import { parseServiceOptions, type ServiceConfig, type ServiceOptions } from './service-options.js';
import { Slots } from './slots.js';
import { newCounters, type ServiceStats } from './stats.js';

type State = 'new' | 'running' | 'draining' | 'closed';

/** Where a service's error happened: what it was doing and, when one is concerned, which entry. */
export interface ServiceErrorContext {
  /** `read`, `claim`: the loop (it pauses with backoff and goes on); `write`: replies and acks (the entries stay pending); `process`: an entry's own engine calls (it stays pending); `start`, `announce`: set-up; `trim`: the topic's retention (the next trim tries again). */
  readonly op: 'read' | 'claim' | 'write' | 'process' | 'start' | 'announce' | 'trim';
  readonly stream?: string;
  /** The entries concerned (their writes failed, or their processing did). */
  readonly entryIds?: readonly string[];
  /** The message id of the entry concerned, when there is one. */
  readonly messageId?: string;
}

/** Events of a {@link Service}. */
export interface ServiceEvents {
  /**
   * An engine error the member carried on from (it is also logged, and counted
   * as `stats().engineErrors`). Emitted only while an `'error'` listener exists.
   */
  error: [error: unknown, context: ServiceErrorContext];
}

/**
 * A member of a service's consumer group. See {@link ServiceOptions} for the defaults.
 *
 * Lifecycle (docs/ARCHITECTURE.md): `start()` creates the groups and reads;
 * `drain()` stops reading and lets running handlers finish and reply; `close()`
 * aborts their signals first; `destroy()` stops at once (unacknowledged entries
 * stay pending); `await using` drains, then closes.
 */
export class Service extends EventEmitter<ServiceEvents> implements Lifecycle<ServiceStats> {
  readonly config: ServiceConfig;
  /** The topic's streams this member reads. */
  readonly streams: readonly string[];
  /** Unique per running instance, for the registry. */
  readonly instanceId: string;
  private readonly handlers = new Map<string, Registered>();
  private readonly hooks: Hooks[] = [];
  private readonly announcer: Announcer | undefined;
  private readonly counts = newCounters();
  private readonly slots: Slots;
  private readonly retries = new RetryQueue();
  private readonly outcomes: Outcomes;
  private readonly inProgress: InProgress;
  private readonly claims: Claims;
  private readonly loop: ReadLoop;
  private readonly retention: TopicRetention;
  private readonly stop = new AbortController();
  private readonly down = new ClosedSignal();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private reader: BlockingReader | undefined;
  private readLoop: Promise<void> | undefined;
  /** Sends the requests and publishes of handlers (`ctx.request`, `ctx.publish`); made on first use. */
  private client: Client | undefined;

  constructor(
    private readonly engine: Engine,
    options: ServiceOptions,
  ) {
    super();
    this.config = parseServiceOptions(options);
    const config = this.config;
    this.streams = Object.freeze(topicStreams(config.topic, config.shards));
    this.instanceId = `${config.consumer}-${randomUUID().slice(0, 8)}`;
    this.slots = new Slots(config.concurrency);
    const isRunning = (): boolean => this.state === 'running';
    const outbox = new Outbox(engine, config.group, (err, acks) => this.writeFailed(err, acks));
    this.outcomes = new Outcomes({
      config,
      handlers: this.handlers,
      hooks: this.hooks,
      outbox,
      replyStore: config.idempotencyTtlMs > 0 ? new ReplyStore(engine, config.topic, config.idempotencyTtlMs) : undefined,
      retries: this.retries,
      counts: this.counts,
      isRunning,
      client: () => (this.client ??= new Client(engine, { logger: config.logger })),
    });
    this.inProgress = new InProgress(
      this.slots,
      (...args) => this.outcomes.process(...args),
      (err, stream, entry) => this.processFailed(err, stream, entry),
    );
    this.claims = new Claims({
      engine,
      config,
      streams: this.streams,
      slots: this.slots,
      inProgress: this.inProgress,
      retries: this.retries,
      counts: this.counts,
      isRunning,
    });
    const claims = this.claims;
    this.loop = new ReadLoop({
      config,
      streams: this.streams,
      slots: this.slots,
      outbox,
      claims,
      inProgress: this.inProgress,
      stop: this.stop.signal,
      isRunning,
      recover: (err, op) => this.recover(err, op),
    });
    this.retention = new TopicRetention(engine, config, this.streams, this.instanceId, this.counts, (err, stream) =>
      this.engineError(err, { op: 'trim', stream }),
    );
    if (config.announce) {
      const types = this.handlers;
      this.announcer = new Announcer(
        engine,
        {
          kind: 'service',
          name: config.name,
          instanceId: this.instanceId,
          topics: [config.topic],
          group: config.group,
          consumer: config.consumer,
          get types() {
            return [...types.keys()];
          },
          produces: config.produces,
        },
        (err) => this.engineError(err, { op: 'announce' }),
        config.registryTtlMs,
      );
    }
  }

  /** Registers the handler of a message type; one handler per type. Returns the service for chaining. */
  handle<P = unknown, R = unknown>(type: string, handler: Handler<P, R>, options: HandlerOptions = {}): this {
    if (typeof type !== 'string') throw new InvalidOptionError('type', `expected a string, got ${typeof type}`);
    if (typeof handler !== 'function') throw new InvalidOptionError('handler', `expected a function, got ${typeof handler}`);
    if (this.handlers.has(type)) throw new InvalidOptionError('type', `a handler for "${type}" is already registered`);
    const check = options.schema === undefined ? undefined : compileSchema(options.schema, `${type}.schema`);
    this.handlers.set(type, { handler: handler as Handler, check });
    return this;
  }

  /** Registers several handlers at once: `{ type: handler }` or `{ type: { handler, schema } }`. */
  handleAll(map: Record<string, Handler | ({ readonly handler: Handler } & HandlerOptions)>): this {
    for (const [type, h] of Object.entries(map)) {
      if (typeof h === 'function') this.handle(type, h);
      else this.handle(type, h.handler, h);
    }
    return this;
  }

  /** Adds hooks run around every handler (see {@link Hooks}). Returns the service for chaining. */
  use(hooks: Hooks): this {
    if (typeof hooks !== 'object' || hooks === null) throw new InvalidOptionError('hooks', 'expected an object with before, after or error');
    this.hooks.push(hooks);
    return this;
  }

  /** Counters since start. */
  stats(): ServiceStats {
    return { ...this.counts, inFlight: this.inProgress.size };
  }

  /** Creates the group on every shard (from `groupStart` when new) and starts reading. Idempotent. */
  start(): Promise<void> {
    if (this.state === 'draining' || this.state === 'closed') return Promise.reject(new ClosedError(`service ${this.config.name}`));
    this.starting ??= (async () => {
      await ensureGroups(this.engine, this.streams, this.config);
      await pruneSilentMembers(this.engine, this.streams, this.config).then(
        (n) => {
          this.counts.pruned += n;
        },
        (err: unknown) => this.engineError(err, { op: 'start' }),
      );
      if (this.state !== 'new') return;
      this.state = 'running';
      this.reader = this.engine.openReader();
      this.readLoop = this.loop.run(this.reader);
      this.retention.start();
      await this.announcer?.start().catch((err: unknown) => this.engineError(err, { op: 'announce' }));
    })();
    return this.starting;
  }

  /**
   * Stops reading, lets running handlers finish, writes their replies and acks,
   * then stops. Retries still waiting for their delay stay pending in the group
   * (another member claims them after `claimIdleMs`). Idempotent.
   */
  drain(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Like {@link drain}, but first aborts the signal of every running handler:
   * a handler that stops on abort leaves its entry pending for another member.
   * Idempotent.
   */
  close(): Promise<void> {
    this.abortHandlers();
    return this.drain();
  }

  /**
   * Stops at once: aborts running handlers, stops reading and waits for
   * nothing. Entries not acknowledged stay pending (another member claims
   * them); writes already sent still land. `closed` resolves with `error`.
   */
  destroy(error?: Error): void {
    if (this.state === 'closed') return;
    this.abortHandlers();
    this.stopLoop();
    this.state = 'closed';
    this.reader?.close().catch(() => undefined);
    this.client?.destroy(error);
    this.announcer?.destroy();
    this.down.settle(error);
  }

  /** Settles once the member is down: `undefined` after drain or close, else the error given to `destroy()`. */
  get closed(): Promise<Error | undefined> {
    return this.down.promise;
  }

  /** `await using`: drains (running handlers finish and reply), then closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  /**
   * Drains on the first of `signals` (default SIGTERM and SIGINT), as a
   * process manager's stop asks; `onDrained` runs after (for example to exit).
   * Returns a function that removes the handlers. Nothing is registered unless
   * this is called.
   */
  drainOnSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'], onDrained?: () => void): () => void {
    const handler = (): void => {
      remove();
      void this.drain().then(onDrained, onDrained);
    };
    const remove = (): void => {
      for (const s of signals) process.off(s, handler);
    };
    for (const s of signals) process.once(s, handler);
    return remove;
  }

  private abortHandlers(): void {
    for (const ctx of this.outcomes.running.values()) ctx.abort(new ClosedError(`service ${this.config.name}`));
  }

  private stopLoop(): void {
    this.stop.abort();
    this.claims.clear();
    this.slots.wakeAll();
    void this.retention.stop();
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.starting;
    if (this.state === 'closed') return;
    this.state = 'draining';
    this.stopLoop();
    // Bounded: an engine that is gone must not hold the process. What is not
    // acknowledged by then stays pending and is claimed by another member.
    const settled = await settlesWithin(
      (async () => {
        if (wasStarted !== undefined) await wasStarted.catch(() => undefined);
        await this.reader?.close();
        await this.readLoop;
        await this.slots.whenIdle();
      })(),
      this.config.drainTimeoutMs,
    );
    if (!settled) this.counts.drainTimeouts++;
    this.reader?.close().catch(() => undefined);
    await this.client?.drain();
    await this.announcer?.close();
    this.state = 'closed';
    // A destroy() during the drain settled it first, with its error.
    this.down.settle();
  }

  private async recover(err: StreamersonError, op: 'read' | 'claim'): Promise<void> {
    this.engineError(err, { op });
    if (err.code === 'ERR_STREAMERSON_NO_GROUP') await ensureGroups(this.engine, this.streams, this.config).catch(() => undefined);
  }

  private writeFailed(err: unknown, acks: readonly StreamAcks[]): void {
    for (const { stream, ids } of acks) this.engineError(err, { op: 'write', stream, entryIds: ids });
  }

  private processFailed(err: unknown, stream: string, entry: RawEntry): void {
    const messageId = rawMessageId(entry);
    this.engineError(
      err,
      messageId === undefined ? { op: 'process', stream, entryIds: [entry.id] } : { op: 'process', stream, entryIds: [entry.id], messageId },
    );
  }

  /** Counts, logs (through the configured logger) and emits an error the member carries on from. */
  private engineError(err: unknown, context: ServiceErrorContext): void {
    this.counts.engineErrors++;
    this.config.logger.error(
      { err, service: this.config.name, consumer: this.config.consumer, ...context },
      `service ${this.config.name}: ${context.op} failed`,
    );
    if (this.listenerCount('error') > 0) this.emit('error', err, context);
  }
}
