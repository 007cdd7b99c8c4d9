/**
 * A service: members of one consumer group reading a topic, running a handler
 * per message type and replying to requests. At-least-once: an entry is
 * acknowledged only after its reply (or dead letter) was written; failures are
 * retried with backoff, then dead-lettered; entries abandoned by a dead member
 * are claimed by live ones.
 */
import { setImmediate as checkPhase, setTimeout as delay } from 'node:timers/promises';
import {
  ClosedError,
  DEADLINE_HEADER,
  decodeEntry,
  InvalidOptionError,
  ProtocolError,
  topicStreams,
  type AppendItem,
  type BlockingReader,
  type Engine,
  type Message,
  type RawEntry,
  type StreamersonError,
} from '@streamerson/core';
import { ServiceError, DEFAULT_ERROR_STATUS } from '../errors.js';
import { randomUUID } from 'node:crypto';
import { Announcer } from '../registry/registry.js';
import { DeliveryContext } from './context.js';
import { deadLetterFields } from './dead-letter.js';
import type { Handler, HandlerOptions } from './handler.js';
import { withHooks, type Hooks } from './hooks.js';
import { Outbox } from './outbox.js';
import { ReplyStore } from './reply-store.js';
import { compileSchema, type PayloadCheck } from './schema.js';
import { ensureGroups, pruneSilentMembers } from './membership.js';
import { errorReply, safeErrorReply, successReply } from './replies.js';
import { parseDeadline, within } from './time.js';
import { parseServiceOptions, retryDelay, type ServiceConfig, type ServiceOptions } from './service-options.js';
import { Slots } from './slots.js';

/** Pause after a failed read or claim before trying again. */
const ERROR_PAUSE_MS = 200;
/** Schema problems sent back with an invalid-payload error, at most. */
const MAX_REPORTED_PROBLEMS = 20;
/** Status of the error reply to a message type without handler. */
const UNKNOWN_TYPE_STATUS = 404;

/** Counters of a service member since it started. */
export interface ServiceStats {
  /** Handlers that completed (success or non-retryable error). */
  readonly processed: number;
  /** Handler failures left pending for a retry. */
  readonly retried: number;
  readonly deadLettered: number;
  /** Requests skipped because their deadline had passed. */
  readonly expired: number;
  readonly unknownType: number;
  /** Entries that are not v1 messages (dead-lettered). */
  readonly badEntries: number;
  /** Entries claimed from the pending list (retries and abandoned entries). */
  readonly claimed: number;
  /** Requests answered with a stored reply (idempotency); their handler did not run. */
  readonly replayed: number;
  /** Payloads that failed their type's schema (answered with status 400). */
  readonly invalid: number;
  /** Silent group members without pending entries deleted on start. */
  readonly pruned: number;
  /** 1 when `drain()` gave up waiting after `drainTimeoutMs`. */
  readonly drainTimeouts: number;
  /** Engine errors of reads, claims and writes; the loop carried on. */
  readonly engineErrors: number;
  /** Handlers running now. */
  readonly inFlight: number;
}

interface RetryItem {
  readonly stream: string;
  readonly id: string;
  readonly deliveries: number;
  /** Unix ms after which the entry is claimed again. */
  readonly dueAt: number;
  /** Unix ms of its first failure on this member. */
  readonly firstFailedAt: number;
}

type State = 'new' | 'running' | 'draining' | 'closed';

/** One delivery of an entry on its way through {@link Service}'s `process`. */
interface Delivery {
  /** The entry's key in `held` and `running`. */
  readonly k: string;
  readonly msg: Message;
  readonly entry: RawEntry;
  readonly deadline: number | undefined;
  readonly deliveries: number;
  readonly firstFailedAt: number | undefined;
  readonly ack: { readonly stream: string; readonly id: string };
}

/** Whether a handler's result is to be awaited (a promise or another thenable), as `await` would. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const key = (stream: string, id: string): string => `${stream}\n${id}`;

/** A registered handler and its compiled payload check. */
interface Registered {
  readonly handler: Handler;
  readonly check: PayloadCheck | undefined;
}

/** Status of the error reply to a payload that fails its schema. */
const INVALID_PAYLOAD_STATUS = 400;

/** A member of a service's consumer group. See {@link ServiceOptions} for the defaults. */
export class Service {
  readonly config: ServiceConfig;
  /** The topic's streams this member reads. */
  readonly streams: readonly string[];
  /** Unique per running instance, for the registry. */
  readonly instanceId: string;
  private readonly handlers = new Map<string, Registered>();
  private readonly hooks: Hooks[] = [];
  private readonly replyStore: ReplyStore | undefined;
  private readonly announcer: Announcer | undefined;
  /** Own entries left pending by an earlier run of this member: run them before new ones. */
  private ownBacklog = true;
  private readonly slots: Slots;
  private readonly outbox: Outbox;
  private readonly running = new Map<string, DeliveryContext>();
  /** Entries dispatched and not yet acked (or given up): never claimed again meanwhile. */
  private readonly held = new Set<string>();
  private readonly scheduled = new Map<string, RetryItem>();
  private readonly claimCursor = new Map<string, string>();
  private readonly stop = new AbortController();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private reader: BlockingReader | undefined;
  private readLoop: Promise<void> | undefined;
  private nextClaimAt = 0;
  private active = 0;
  private readonly counts = { processed: 0, retried: 0, deadLettered: 0, expired: 0, unknownType: 0, badEntries: 0, claimed: 0, replayed: 0, invalid: 0, pruned: 0, drainTimeouts: 0, engineErrors: 0 };

  constructor(private readonly engine: Engine, options: ServiceOptions) {
    this.config = parseServiceOptions(options);
    this.streams = Object.freeze(topicStreams(this.config.topic, this.config.shards));
    this.slots = new Slots(this.config.concurrency);
    this.outbox = new Outbox(engine, this.config.group);
    this.instanceId = `${this.config.consumer}-${randomUUID().slice(0, 8)}`;
    const { idempotencyTtlMs, announce, registryTtlMs, name, topic, produces } = this.config;
    if (idempotencyTtlMs > 0) this.replyStore = new ReplyStore(engine, topic, idempotencyTtlMs);
    if (announce) {
      const types = this.handlers;
      this.announcer = new Announcer(engine, {
        kind: 'service',
        name,
        instanceId: this.instanceId,
        topics: [topic],
        get types() { return [...types.keys()]; },
        produces,
      }, registryTtlMs);
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
    return { ...this.counts, inFlight: this.active };
  }

  /** Creates the group on every shard (from `groupStart` when new) and starts reading. Idempotent. */
  start(): Promise<void> {
    if (this.state === 'draining' || this.state === 'closed') return Promise.reject(new ClosedError(`service ${this.config.name}`));
    this.starting ??= (async () => {
      await this.ensureGroups();
      await pruneSilentMembers(this.engine, this.streams, this.config).then(
        (n) => { this.counts.pruned += n; },
        () => { this.counts.engineErrors++; },
      );
      if (this.state !== 'new') return;
      this.state = 'running';
      this.reader = this.engine.openReader();
      this.nextClaimAt = Date.now() + this.config.claimIntervalMs;
      this.readLoop = this.readForever(this.reader);
      await this.announcer?.start().catch(() => { this.counts.engineErrors++; });
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

  /** Like {@link drain}, but first aborts the signal of every running handler. Idempotent. */
  close(): Promise<void> {
    for (const ctx of this.running.values()) ctx.abort(new ClosedError(`service ${this.config.name}`));
    return this.drain();
  }

  async [Symbol.asyncDispose](): Promise<void> {
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

  private async shutdown(): Promise<void> {
    const wasStarted = this.starting;
    this.state = 'draining';
    this.stop.abort();
    this.scheduled.clear();
    this.slots.wakeAll();
    // Bounded: an engine that is gone must not hold the process. What is not
    // acknowledged by then stays pending and is claimed by another member.
    const settled = await within(this.config.drainTimeoutMs, (async () => {
      if (wasStarted !== undefined) await wasStarted.catch(() => undefined);
      await this.reader?.close();
      await this.readLoop;
      await this.slots.whenIdle();
    })());
    if (!settled) this.counts.drainTimeouts++;
    this.reader?.close().catch(() => undefined);
    await this.announcer?.stop();
    this.state = 'closed';
  }

  private ensureGroups(): Promise<void> {
    return ensureGroups(this.engine, this.streams, this.config);
  }

  /**
   * The member's only loop: due retries first, then (every `claimIntervalMs`)
   * abandoned entries, then new entries — each time for at most the free
   * slots. A read blocks no longer than the next retry or claim scan is due.
   * Where the reader can (`readGroupAfter`), the replies and acks queued by
   * then go ahead of the read in its round trip, and the slots of the entries
   * they finish count as credit: Redis applies the writes before it runs the
   * read.
   */
  private async readForever(reader: BlockingReader): Promise<void> {
    const { group, consumer, blockMs } = this.config;
    const riding = reader.readGroupAfter !== undefined;
    let offset = 0;
    while (this.state === 'running') {
      if (this.slots.free === 0 && !(riding && this.canReadBehindWrites())) {
        await this.slots.whenFree();
        continue;
      }
      // Claims need slots free now; with none free, the loop only reads behind the queued writes.
      if (this.slots.free > 0) {
        try {
          if (this.scheduled.size > 0) await this.claimDueRetries();
          if (this.ownBacklog) await this.claimOwnBacklog();
          if (Date.now() >= this.nextClaimAt) {
            this.nextClaimAt = Date.now() + this.config.claimIntervalMs;
            await this.claimAbandoned();
          }
        } catch (err) {
          if (this.state !== 'running') break;
          await this.recover(err);
          continue;
        }
      }
      if (this.state !== 'running') continue;
      const settling = riding ? this.outbox.size : 0;
      const credit = this.slots.free + settling;
      if (credit === 0) continue;
      // Credit: never ask for more entries than slots, spread over the shards.
      const n = Math.min(this.streams.length, credit);
      const positions = Array.from({ length: n }, (_, i) => ({ stream: this.streams[(offset + i) % this.streams.length]!, after: '>' }));
      offset = (offset + n) % this.streams.length;
      const count = Math.floor(credit / n);
      // The free part; the rest comes free as the writes settle, and entries beyond it run on forced slots meanwhile.
      const taken = this.slots.take(count * n);
      const block = Math.max(1, Math.min(blockMs, this.nextClaimAt - Date.now(), this.nextRetryAt() - Date.now()));
      let used = 0;
      try {
        const writes = settling > 0 ? this.outbox.take() : undefined;
        const options = { count, blockMs: block };
        const result = writes === undefined
          ? await reader.readGroup(group, consumer, positions, options)
          : await reader.readGroupAfter!(writes, group, consumer, positions, options);
        // Handlers that finish at once queue their replies by the check phase: they then ride on the next read.
        // The turn is taken before they run, so that it comes before the outbox's own flush.
        const turn = riding && result.length > 0 ? checkPhase() : undefined;
        for (const { stream, entries } of result) {
          for (const entry of entries) {
            if (++used > taken) this.slots.force();
            this.dispatch(stream, entry, 1);
          }
        }
        await turn;
      } catch (err) {
        if (this.state !== 'running') break;
        await this.recover(err);
      } finally {
        if (used < taken) this.slots.release(taken - used);
      }
    }
  }

  /**
   * With every slot held: whether the loop may still read, behind the queued
   * writes that will free some — not when a claim step (due retries, this
   * member's own backlog, the claim scan) waits for a free slot.
   */
  private canReadBehindWrites(): boolean {
    if (this.outbox.size === 0 || this.ownBacklog) return false;
    const now = Date.now();
    return now < this.nextClaimAt && this.nextRetryAt() > now;
  }

  private async recover(err: unknown): Promise<void> {
    this.counts.engineErrors++;
    if ((err as StreamersonError).code === 'ERR_STREAMERSON_NO_GROUP') await this.ensureGroups().catch(() => undefined);
    await delay(ERROR_PAUSE_MS, undefined, { signal: this.stop.signal }).catch(() => undefined);
  }

  /** Runs one entry in a slot already taken, and gives the slot back when its writes are done. */
  private dispatch(stream: string, entry: RawEntry, deliveries: number, firstFailedAt?: number): void {
    const k = key(stream, entry.id);
    this.active++;
    this.held.add(k);
    const done = (): void => {
      this.held.delete(k);
      this.active--;
      this.slots.release(1);
    };
    let processed: Promise<void>;
    try {
      processed = this.process(k, stream, entry, deliveries, firstFailedAt);
    } catch (err) {
      processed = Promise.reject(err);
    }
    processed.then(done, () => {
      this.counts.engineErrors++;
      done();
    });
  }

  /**
   * Decides what an entry gets and queues its writes; settles once they are
   * done. Synchronous up to the handler: a handler that returns a value (not
   * a promise) has its reply queued in the same turn. `k` is the entry's key
   * in `held` and `running`.
   */
  private process(k: string, stream: string, entry: RawEntry, deliveries: number, firstFailedAt: number | undefined): Promise<void> {
    const ack = { stream, id: entry.id };
    const msg = decodeEntry(stream, entry);
    if (msg instanceof ProtocolError) {
      this.counts.badEntries++;
      return this.outbox.add([this.deadLetter(stream, entry, msg.code, msg.message, deliveries)], ack);
    }
    const deadline = parseDeadline(msg.headers[DEADLINE_HEADER]);
    if (deadline !== undefined && deadline <= Date.now()) {
      this.counts.expired++;
      return this.outbox.add([], ack);
    }
    const registered = this.handlers.get(msg.type);
    if (registered === undefined) {
      this.counts.unknownType++;
      const replies = msg.replyTo === '' ? [] : [errorReply(msg, UNKNOWN_TYPE_STATUS, { code: 'ERR_STREAMERSON_UNKNOWN_TYPE', message: `no handler for message type "${msg.type}"` }, this.config.source)];
      return this.outbox.add(replies, ack);
    }
    const problems = registered.check?.(msg.payload);
    if (problems !== undefined) {
      this.counts.invalid++;
      const replies = msg.replyTo === '' ? [] : [this.safeErrorReply(msg, INVALID_PAYLOAD_STATUS, 'ERR_STREAMERSON_INVALID_PAYLOAD',
        `the payload of "${msg.type}" does not match its schema`, { problems: problems.slice(0, MAX_REPORTED_PROBLEMS) })];
      return this.outbox.add(replies, ack);
    }
    const delivery: Delivery = { k, msg, entry, deadline, deliveries, firstFailedAt, ack };
    if (this.replyStore !== undefined && msg.replyTo !== '') return this.replayOrRun(registered.handler, delivery);
    return this.run(registered.handler, delivery);
  }

  /** With idempotency on: the stored reply when there is one, else the handler. */
  private async replayOrRun(handler: Handler, d: Delivery): Promise<void> {
    const stored = await this.replyStore!.lookup(d.msg);
    if (stored !== undefined) {
      this.counts.replayed++;
      return await this.outbox.add([stored], d.ack);
    }
    return await this.run(handler, d);
  }

  /** Runs the handler (with the hooks around it) and queues what its outcome calls for. */
  private run(handler: Handler, d: Delivery): Promise<void> {
    const { k, msg } = d;
    const ctx = new DeliveryContext(msg, d.deadline, d.deliveries, this.config.logger);
    this.running.set(k, ctx);
    const ended = (): void => {
      ctx.dispose();
      this.running.delete(k);
    };
    let result: unknown;
    try {
      result = this.hooks.length === 0 ? handler(msg.payload, ctx) : withHooks(this.hooks, msg.payload, ctx, () => handler(msg.payload, ctx));
    } catch (err) {
      ended();
      return this.failed(msg, d.entry, err, d.deliveries, d.firstFailedAt);
    }
    if (!isPromiseLike(result)) {
      ended();
      return this.succeeded(msg, result, d.ack);
    }
    return Promise.resolve(result).then(
      (value) => {
        ended();
        return this.succeeded(msg, value, d.ack);
      },
      (err: unknown) => {
        ended();
        return this.failed(msg, d.entry, err, d.deliveries, d.firstFailedAt);
      },
    );
  }

  /** A handler completed with `result`: the reply, if the message is a request, and the ack. */
  private succeeded(msg: Message, result: unknown, ack: { stream: string; id: string }): Promise<void> {
    this.counts.processed++;
    if (msg.replyTo === '') return this.outbox.add([], ack);
    let reply: AppendItem;
    try {
      reply = successReply(msg, result, this.config.source);
    } catch (err) {
      reply = errorReply(msg, DEFAULT_ERROR_STATUS, { code: (err as StreamersonError).code ?? 'ERR_STREAMERSON_SERVICE', message: 'the reply payload cannot be encoded' }, this.config.source);
    }
    return this.finish(msg, reply, ack);
  }

  /**
   * Writes the final reply of a request and acks it. With idempotency on, the
   * reply is stored first (or the one stored first is sent instead).
   */
  private finish(msg: Message, reply: AppendItem, ack: { stream: string; id: string }): Promise<void> {
    if (this.replyStore === undefined) return this.outbox.add([reply], ack);
    return this.replyStore.save(msg, reply).then((stored) => this.outbox.add([stored], ack));
  }

  private failed(msg: Message, entry: RawEntry, err: unknown, deliveries: number, firstFailedAt = Date.now()): Promise<void> {
    const ack = { stream: msg.stream, id: msg.entryId };
    const known = err instanceof ServiceError ? err : undefined;
    if (known !== undefined && !known.retryable) {
      this.counts.processed++;
      if (msg.replyTo === '') return this.outbox.add([], ack);
      return this.finish(msg, this.safeErrorReply(msg, known.status, known.errorCode, known.message, known.details), ack);
    }
    if (deliveries < this.config.maxDeliveries && this.state === 'running') {
      this.counts.retried++;
      this.scheduleRetry(msg.stream, msg.entryId, deliveries, firstFailedAt);
      return Promise.resolve();
    }
    if (deliveries < this.config.maxDeliveries) return Promise.resolve();
    this.counts.deadLettered++;
    const code = known?.errorCode ?? 'ERR_STREAMERSON_SERVICE';
    const message = known?.message ?? (err instanceof Error ? err.message : String(err));
    const appends = [this.deadLetter(msg.stream, entry, code, message, deliveries, firstFailedAt)];
    if (msg.replyTo !== '') {
      // An unexpected throw's message may hold internals: the caller only learns that the handler failed.
      appends.push(this.safeErrorReply(msg, known?.status ?? DEFAULT_ERROR_STATUS, 'ERR_STREAMERSON_DEAD_LETTER',
        `the message failed ${deliveries} deliveries${known === undefined ? '' : `: ${known.message}`}`, { errorCode: code, deliveries }));
    }
    return this.outbox.add(appends, ack);
  }

  private safeErrorReply(msg: Message, status: number, code: string, message: string, details: unknown): AppendItem {
    return safeErrorReply(msg, status, { code, message, details }, this.config.source);
  }

  private deadLetter(stream: string, entry: RawEntry, errorCode: string, errorMessage: string, deliveries: number, firstFailedAt?: number): AppendItem {
    const { name, group, consumer, deadLetterStream } = this.config;
    const failedAt = Date.now();
    return {
      stream: deadLetterStream,
      fields: deadLetterFields(entry, {
        stream, entryId: entry.id, errorCode, errorMessage, deliveries, service: name, group, consumer, failedAt, firstFailedAt: firstFailedAt ?? failedAt,
      }),
    };
  }

  /** Beyond `maxScheduledRetries`, the entry just stays pending until a claim scan finds it idle. */
  private scheduleRetry(stream: string, id: string, deliveries: number, firstFailedAt: number): void {
    if (this.scheduled.size >= this.config.maxScheduledRetries) return;
    this.scheduled.set(key(stream, id), { stream, id, deliveries, dueAt: Date.now() + retryDelay(this.config, deliveries), firstFailedAt });
  }

  private nextRetryAt(): number {
    let next = Infinity;
    for (const item of this.scheduled.values()) next = Math.min(next, item.dueAt);
    return next;
  }

  /** Claims the retries whose delay has passed, as many as there are free slots, and runs them. */
  private async claimDueRetries(): Promise<void> {
    const now = Date.now();
    const byStream = new Map<string, RetryItem[]>();
    let taken = 0;
    for (const [k, item] of this.scheduled) {
      if (item.dueAt > now) continue;
      if (this.slots.take(1) === 0) break;
      taken++;
      this.scheduled.delete(k);
      const items = byStream.get(item.stream);
      if (items === undefined) byStream.set(item.stream, [item]);
      else items.push(item);
    }
    if (taken === 0) return;
    let used = 0;
    try {
      for (const [stream, items] of byStream) {
        const entries = await this.engine.claim(stream, this.config.group, this.config.consumer, items.map((i) => i.id), { minIdleMs: 0 });
        const byId = new Map(items.map((i) => [i.id, i]));
        for (const entry of entries) {
          used++;
          this.counts.claimed++;
          const item = byId.get(entry.id);
          this.dispatch(stream, entry, item === undefined ? 1 : item.deliveries + 1, item?.firstFailedAt);
        }
      }
    } finally {
      if (used < taken) this.slots.release(taken - used);
    }
  }

  /**
   * Entries this member (same consumer name) left pending before a restart:
   * claimed back at once, in chunks of the free slots, before any new entry is read.
   */
  private async claimOwnBacklog(): Promise<void> {
    const { group, consumer } = this.config;
    let more = false;
    for (const stream of this.streams) {
      const taken = this.slots.take(this.slots.free);
      if (taken === 0) return;
      let used = 0;
      try {
        const pending = (await this.engine.pendingRange(stream, group, { start: '-', end: '+', count: taken + this.held.size + this.scheduled.size, consumer }))
          .filter((p) => !this.held.has(key(stream, p.id)) && !this.scheduled.has(key(stream, p.id)))
          .slice(0, taken);
        if (pending.length === 0 || this.state !== 'running') continue;
        if (pending.length === taken) more = true;
        const entries = await this.engine.claim(stream, group, consumer, pending.map((p) => p.id), { minIdleMs: 0 });
        const deliveries = new Map(pending.map((p) => [p.id, p.deliveries + 1]));
        for (const entry of entries) {
          used++;
          this.counts.claimed++;
          this.dispatch(stream, entry, deliveries.get(entry.id) ?? 1);
        }
      } finally {
        if (used < taken) this.slots.release(taken - used);
      }
    }
    this.ownBacklog = more;
  }

  /** Crash recovery: claims entries that sat pending on any member longer than `claimIdleMs`. */
  private async claimAbandoned(): Promise<void> {
    for (const stream of this.streams) {
      const taken = this.slots.take(this.slots.free);
      if (taken === 0) return;
      let used = 0;
      try {
        used = await this.claimFrom(stream, taken);
      } finally {
        if (used < taken) this.slots.release(taken - used);
      }
    }
  }

  private async claimFrom(stream: string, count: number): Promise<number> {
    const { group, consumer, claimIdleMs } = this.config;
    const result = await this.engine.autoClaim(stream, group, consumer, claimIdleMs, this.claimCursor.get(stream) ?? '0-0', count);
    this.claimCursor.set(stream, result.next);
    const entries = result.entries.filter((e) => !this.held.has(key(stream, e.id)));
    if (entries.length === 0 || this.state !== 'running') return 0;
    const pending = await this.engine.pendingRange(stream, group, { start: entries[0]!.id, end: entries[entries.length - 1]!.id, count: result.entries.length, consumer });
    const deliveries = new Map(pending.map((p) => [p.id, p.deliveries]));
    for (const entry of entries) {
      this.scheduled.delete(key(stream, entry.id));
      this.counts.claimed++;
      this.dispatch(stream, entry, deliveries.get(entry.id) ?? 1);
    }
    return entries.length;
  }
}
