/**
 * The outcome of one delivery: what an entry gets and the writes that record
 * it. Decode → deadline → handler lookup → schema → stored reply → handler
 * (with hooks) → reply and ack, a retry, or a dead letter. Synchronous up to
 * the handler: a handler that returns a value (not a promise) has its reply
 * queued in the same turn, without a promise of its own.
 */
import { DEADLINE_HEADER, decodeEntry, ProtocolError, type AppendItem, type Message, type RawEntry, type StreamersonError } from '@streamerson/core';
import type { Client } from '../client/client.js';
import { ServiceError, DEFAULT_ERROR_STATUS } from '../errors.js';
import { DeliveryContext, deadlinePassed } from './context.js';
import { deadLetterFields } from './dead-letter.js';
import type { Handler } from './handler.js';
import { withHooks, type Hooks } from './hooks.js';
import type { Outbox } from './outbox.js';
import type { ReplyStore } from './reply-store.js';
import type { RetryQueue } from './retry-queue.js';
import type { PayloadCheck } from './schema.js';
import { errorReply, safeErrorReply, successReply } from './replies.js';
import { parseDeadline } from './time.js';
import { retrySchedule, type ServiceConfig } from './service-options.js';
import type { Backoff } from '@streamerson/core/internal';
import type { ServiceCounters } from './stats.js';

/** Schema problems sent back with an invalid-payload error, at most. */
const MAX_REPORTED_PROBLEMS = 20;
/** Status of the error reply to a message type without handler. */
const UNKNOWN_TYPE_STATUS = 404;
/** Status of the error reply to a payload that fails its schema. */
const INVALID_PAYLOAD_STATUS = 400;

/** A registered handler and its compiled payload check. */
export interface Registered {
  readonly handler: Handler;
  readonly check: PayloadCheck | undefined;
}

/** What the outcomes need from their member. */
export interface OutcomeDeps {
  readonly config: ServiceConfig;
  readonly handlers: ReadonlyMap<string, Registered>;
  readonly hooks: readonly Hooks[];
  readonly outbox: Outbox;
  readonly replyStore: ReplyStore | undefined;
  readonly retries: RetryQueue;
  readonly counts: ServiceCounters;
  /** False once the member drains: a failure is then left pending instead of scheduled. */
  isRunning(): boolean;
  /** The member's client for handlers' own requests and publishes (`ctx.request`), made on first use. */
  client(): Client;
}

/** One delivery of an entry on its way through {@link Outcomes.process}. */
interface Delivery {
  /** The entry's key in the member's sets. */
  readonly key: string;
  readonly msg: Message;
  readonly entry: RawEntry;
  readonly deadline: number | undefined;
  readonly deliveries: number;
  readonly firstFailedAt: number | undefined;
  readonly ack: { readonly stream: string; readonly id: string };
}

/** Why an entry is given up, for its dead letter and its requester. */
interface GiveUp {
  /** Error code and message of the dead letter (`dlq.errorCode`, `dlq.errorMessage`). */
  readonly code: string;
  readonly message: string;
  readonly deliveries: number;
  readonly firstFailedAt: number | undefined;
  /** Status and message of the error reply, safe to show to the caller. */
  readonly status: number;
  readonly answer: string;
}

/** Whether a handler's result is to be awaited (a promise or another thenable), as `await` would. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

export class Outcomes {
  /** Contexts of the handlers running now, by entry key: `close()` aborts their signals. */
  readonly running = new Map<string, DeliveryContext>();

  /** Delay before the delivery after `n` failed ones: `retryDelays.delay(n)`. */
  private readonly retryDelays: Backoff;

  constructor(private readonly d: OutcomeDeps) {
    this.retryDelays = retrySchedule(d.config);
  }

  /** Decides what an entry gets and queues its writes; settles once they are done (see `Outbox.add`). */
  process(key: string, stream: string, entry: RawEntry, deliveries: number, firstFailedAt: number | undefined): Promise<boolean | void> {
    const { outbox, counts, config } = this.d;
    if (deliveries > config.maxDeliveries) return this.poisoned(stream, entry, deliveries);
    const ack = { stream, id: entry.id };
    const msg = decodeEntry(stream, entry);
    if (msg instanceof ProtocolError) {
      counts.badEntries++;
      return outbox.add([this.deadLetter(stream, entry, msg.code, msg.message, deliveries)], ack);
    }
    const deadline = parseDeadline(msg.headers[DEADLINE_HEADER]);
    if (deadline !== undefined && deadline <= Date.now()) {
      counts.expired++;
      return outbox.add([], ack);
    }
    const registered = this.d.handlers.get(msg.type);
    if (registered === undefined) {
      counts.unknownType++;
      const replies =
        msg.replyTo === ''
          ? []
          : [
              errorReply(
                msg,
                UNKNOWN_TYPE_STATUS,
                { code: 'ERR_STREAMERSON_UNKNOWN_TYPE', message: `no handler for message type "${msg.type}"` },
                config.source,
              ),
            ];
      return outbox.add(replies, ack);
    }
    const problems = registered.check?.(msg.payload);
    if (problems !== undefined) {
      counts.invalid++;
      const replies =
        msg.replyTo === ''
          ? []
          : [
              this.safeErrorReply(msg, INVALID_PAYLOAD_STATUS, 'ERR_STREAMERSON_INVALID_PAYLOAD', `the payload of "${msg.type}" does not match its schema`, {
                problems: problems.slice(0, MAX_REPORTED_PROBLEMS),
              }),
            ];
      return outbox.add(replies, ack);
    }
    const delivery: Delivery = { key, msg, entry, deadline, deliveries, firstFailedAt, ack };
    if (this.d.replyStore !== undefined && msg.replyTo !== '') return this.replayOrRun(this.d.replyStore, registered.handler, delivery);
    return this.run(registered.handler, delivery);
  }

  /** With idempotency on: the stored reply when there is one, else the handler. */
  private async replayOrRun(store: ReplyStore, handler: Handler, d: Delivery): Promise<boolean | void> {
    const stored = await store.lookup(d.msg);
    if (stored !== undefined) {
      this.d.counts.replayed++;
      return await this.d.outbox.add([stored], d.ack);
    }
    return await this.run(handler, d);
  }

  /** Runs the handler (with the hooks around it) and queues what its outcome calls for. */
  private run(handler: Handler, d: Delivery): Promise<boolean | void> {
    const { key, msg } = d;
    const hooks = this.d.hooks;
    const ctx = new DeliveryContext(msg, d.deadline, d.deliveries, this.d.config.logger, this.d.client);
    this.running.set(key, ctx);
    const ended = (): void => {
      ctx.dispose();
      this.running.delete(key);
    };
    let result: unknown;
    try {
      result = hooks.length === 0 ? handler(msg.payload, ctx) : withHooks(hooks, msg.payload, ctx, () => handler(msg.payload, ctx));
    } catch (err) {
      ended();
      return this.failed(d, err);
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
        return this.failed(d, err);
      },
    );
  }

  /** A handler completed with `result`: the reply, if the message is a request, and the ack. */
  private succeeded(msg: Message, result: unknown, ack: Delivery['ack']): Promise<boolean | void> {
    this.d.counts.processed++;
    if (msg.replyTo === '') return this.d.outbox.add([], ack);
    let reply: AppendItem;
    try {
      reply = successReply(msg, result, this.d.config.source);
    } catch (err) {
      reply = errorReply(
        msg,
        DEFAULT_ERROR_STATUS,
        { code: (err as StreamersonError).code ?? 'ERR_STREAMERSON_SERVICE', message: 'the reply payload cannot be encoded' },
        this.d.config.source,
      );
    }
    return this.finish(msg, reply, ack);
  }

  /**
   * Writes the final reply of a request and acks it. With idempotency on, the
   * reply is stored first (or the one stored first is sent instead).
   */
  private finish(msg: Message, reply: AppendItem, ack: Delivery['ack']): Promise<boolean | void> {
    const { outbox, replyStore } = this.d;
    if (replyStore === undefined) return outbox.add([reply], ack);
    return replyStore.save(msg, reply).then((stored) => outbox.add([stored], ack));
  }

  /**
   * A handler failed. A non-retryable {@link ServiceError} is its answer. Past
   * the deadline the request has timed out (504 `ERR_STREAMERSON_TIMEOUT`, no
   * retry can help). Otherwise the entry is retried after its backoff — when
   * that attempt can start before the deadline and deliveries are left — or
   * dead-lettered now, the requester answered with the handler's failure.
   */
  private failed(d: Delivery, err: unknown): Promise<boolean | void> {
    const { msg, ack, deliveries, deadline } = d;
    const { config, counts, outbox } = this.d;
    const now = Date.now();
    const known = err instanceof ServiceError ? err : undefined;
    const definite = known !== undefined && !known.retryable;
    if (known?.errorCode === 'ERR_STREAMERSON_TIMEOUT' || (!definite && deadline !== undefined && deadline <= now)) {
      counts.timedOut++;
      if (msg.replyTo === '') return outbox.add([], ack);
      // Not stored for idempotency: a repeated request may still run.
      const timeout = deadlinePassed(deadline ?? now);
      return outbox.add([this.safeErrorReply(msg, timeout.status, timeout.errorCode, timeout.message, timeout.details)], ack);
    }
    if (definite) {
      counts.processed++;
      if (msg.replyTo === '') return outbox.add([], ack);
      return this.finish(msg, this.safeErrorReply(msg, known.status, known.errorCode, known.message, known.details), ack);
    }
    const firstFailedAt = d.firstFailedAt ?? now;
    if (deliveries < config.maxDeliveries) {
      // Draining: the entry stays pending for another member (or this one after a restart).
      if (!this.d.isRunning()) return Promise.resolve();
      const delayMs = this.retryDelays.delay(deliveries);
      // Beyond `maxScheduledRetries` the entry waits for a claim scan to find it idle.
      const queued = this.d.retries.size < config.maxScheduledRetries;
      const retryAt = now + (queued ? delayMs : config.claimIdleMs + config.claimIntervalMs);
      if (deadline === undefined || retryAt < deadline) {
        counts.retried++;
        if (queued) this.d.retries.add({ key: d.key, stream: ack.stream, id: ack.id, deliveries, dueAt: retryAt, firstFailedAt });
        return Promise.resolve();
      }
    }
    counts.deadLettered++;
    const code = known?.errorCode ?? 'ERR_STREAMERSON_SERVICE';
    const message = known?.message ?? (err instanceof Error ? err.message : String(err));
    const why = deliveries < config.maxDeliveries ? ' and its deadline leaves no time for another' : '';
    // An unexpected throw's message may hold internals: the caller only learns that the handler failed.
    const answer = `the message failed ${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}${why}${known === undefined ? '' : `: ${known.message}`}`;
    return this.giveUp(msg.stream, d.entry, msg, { code, message, deliveries, firstFailedAt, status: known?.status ?? DEFAULT_ERROR_STATUS, answer });
  }

  /**
   * A delivery past `maxDeliveries` — the earlier ones ended without an
   * outcome (the worker died or hung): dead-lettered as poison without running
   * again. Checked before anything else, decoding included.
   */
  private poisoned(stream: string, entry: RawEntry, deliveries: number): Promise<boolean | void> {
    this.d.counts.deadLettered++;
    const msg = decodeEntry(stream, entry);
    const { maxDeliveries } = this.d.config;
    return this.giveUp(stream, entry, msg instanceof ProtocolError ? undefined : msg, {
      code: 'ERR_STREAMERSON_POISON',
      message: `delivered ${deliveries} times without an outcome (maxDeliveries ${maxDeliveries}): its handler may crash or hang the worker`,
      deliveries,
      firstFailedAt: undefined,
      status: DEFAULT_ERROR_STATUS,
      answer: `the message was delivered ${deliveries} times without an outcome`,
    });
  }

  /** Writes the dead letter of `entry` (and the error reply to its requester, if any) and acks it. */
  private giveUp(stream: string, entry: RawEntry, msg: Message | undefined, why: GiveUp): Promise<boolean | void> {
    const appends = [this.deadLetter(stream, entry, why.code, why.message, why.deliveries, why.firstFailedAt)];
    if (msg !== undefined && msg.replyTo !== '') {
      appends.push(this.safeErrorReply(msg, why.status, 'ERR_STREAMERSON_DEAD_LETTER', why.answer, { errorCode: why.code, deliveries: why.deliveries }));
    }
    return this.d.outbox.add(appends, { stream, id: entry.id });
  }

  private safeErrorReply(msg: Message, status: number, code: string, message: string, details: unknown): AppendItem {
    return safeErrorReply(msg, status, { code, message, details }, this.d.config.source);
  }

  private deadLetter(stream: string, entry: RawEntry, errorCode: string, errorMessage: string, deliveries: number, firstFailedAt?: number): AppendItem {
    const { name, group, consumer, deadLetterStream, deadLetterMaxLen } = this.d.config;
    const failedAt = Date.now();
    return {
      stream: deadLetterStream,
      ...(deadLetterMaxLen > 0 ? { retention: { maxLen: deadLetterMaxLen, approximate: true } } : {}),
      fields: deadLetterFields(entry, {
        stream,
        entryId: entry.id,
        errorCode,
        errorMessage,
        deliveries,
        service: name,
        group,
        consumer,
        failedAt,
        firstFailedAt: firstFailedAt ?? failedAt,
      }),
    };
  }
}
