/**
 * Options of a {@link Service}, their defaults and their one parser.
 */
import { hostname } from 'node:os';
import { InvalidOptionError, MAX_SHARDS, validateTopic } from '@streamerson/core';
import { Backoff, boolOption, intOption, numberOption, optionKeys, optionsObject, stringOption } from '@streamerson/core/internal';
import type { Logger } from 'pino';
import { loggerOption, topicsOption } from '../options.js';
import { DEFAULT_REGISTRY_TTL_MS } from '../registry/registry.js';

/** Default slots per member (see {@link ServiceOptions.concurrency}). */
export const DEFAULT_CONCURRENCY = 16;
/** Default deliveries of one message before it goes to the dead-letter stream. */
export const DEFAULT_MAX_DELIVERIES = 5;
/**
 * Default delay before the first retry of a failed message; doubles per
 * delivery. The defaults fit every delivery inside a request's default 10 s
 * timeout: with `maxDeliveries` 5 the four waits add up to 0.2 + 0.4 + 0.8 +
 * 1.6 = 3 s (± jitter), leaving the rest for the handler runs.
 */
export const DEFAULT_RETRY_DELAY_MS = 200;
/** Default longest retry delay: below `claimIdleMs`, so that a retry waiting for its delay is never taken for abandoned. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 2_000;
/** Default jitter: each retry delay is shortened by a random part of up to this fraction (core's backoff). */
export const DEFAULT_RETRY_JITTER = 0.2;
/**
 * Default idle time after which a member's pending entry counts as abandoned
 * and is claimed by another member. With the claim scan every second, the
 * requests of a member that died (or came back under a new name) are running
 * again within about 6 s — inside the 10 s default request timeout. A live
 * member's long handler is not affected: its entries' idle time is reset at
 * each scan (see `claims.ts`).
 */
export const DEFAULT_CLAIM_IDLE_MS = 5_000;
/** Default time between two scans for abandoned entries. */
export const DEFAULT_CLAIM_INTERVAL_MS = 1_000;
/** Default time a group read blocks, which bounds how fast `drain()` stops reading. */
export const DEFAULT_SERVICE_BLOCK_MS = 1_000;
/** Default most retries waiting for their delay per member; beyond that, failed entries wait for the claim scan. */
export const DEFAULT_MAX_SCHEDULED_RETRIES = 1_000;
/** Longest wait of `drain()` for running handlers and their writes. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** Idle time after which a group member without pending entries is pruned on start: one day. */
export const DEFAULT_PRUNE_CONSUMERS_IDLE_MS = 86_400_000;
/** Default time between two trims of the topic (of what every group acknowledged); 0 turns them off. */
export const DEFAULT_TOPIC_TRIM_INTERVAL_MS = 10_000;
/** Default cap of the dead-letter stream (`MAXLEN ~` on each dead-letter append). */
export const DEFAULT_DEAD_LETTER_MAX_LEN = 100_000;
/** Where a new group starts: `0`, the whole stream, so that requests sent before the first start are served. */
export const DEFAULT_SERVICE_GROUP_START = '0';

/** Options of a {@link Service}. */
export interface ServiceOptions {
  /** Service name; used as the default group and in dead-letter metadata. */
  readonly name: string;
  /** Topic the service reads. */
  readonly topic: string;
  /** Shards of the topic; default 1. */
  readonly shards?: number;
  /** Consumer group; default the service name. */
  readonly group?: string;
  /**
   * Member name in the group. Keep it stable across restarts of the same
   * instance so that it finds its own pending entries again; default
   * `<hostname>-<pid>`.
   */
  readonly consumer?: string;
  /**
   * Slots of the member: an entry holds one from its read or claim until the
   * engine has applied its reply and ack (or it is left for a retry), so at
   * most this many handlers run at once and a read never asks for more
   * entries than slots are free. Default {@link DEFAULT_CONCURRENCY}.
   */
  readonly concurrency?: number;
  /** Deliveries before a failing message is dead-lettered; default {@link DEFAULT_MAX_DELIVERIES}. */
  readonly maxDeliveries?: number;
  /** First retry delay; default {@link DEFAULT_RETRY_DELAY_MS}. */
  readonly retryDelayMs?: number;
  /** Longest retry delay; default {@link DEFAULT_MAX_RETRY_DELAY_MS}. */
  readonly maxRetryDelayMs?: number;
  /** Random spread of retry delays, 0 to 1; default {@link DEFAULT_RETRY_JITTER}. */
  readonly retryJitter?: number;
  /** Idle time after which another member's pending entry is claimed; default {@link DEFAULT_CLAIM_IDLE_MS}. */
  readonly claimIdleMs?: number;
  /** Time between claim scans; default {@link DEFAULT_CLAIM_INTERVAL_MS}. */
  readonly claimIntervalMs?: number;
  /** Group read block time; default {@link DEFAULT_SERVICE_BLOCK_MS}. */
  readonly blockMs?: number;
  /** Bound of retries waiting for their delay; default {@link DEFAULT_MAX_SCHEDULED_RETRIES}. */
  readonly maxScheduledRetries?: number;
  /** Where a new group starts; default {@link DEFAULT_SERVICE_GROUP_START}. */
  readonly groupStart?: string;
  /** Dead-letter stream; default `<topic>:dlq` (see {@link deadLetterStream}). */
  readonly deadLetterStream?: string;
  /** Instance id written as the source (`s`) of replies; default none: a requester knows whom it asked, and an empty field is not written. */
  readonly source?: string;
  /**
   * Announce this member in the service registry (see `listInstances`);
   * default true. The heartbeat is one append every `registryTtlMs / 3`.
   */
  readonly announce?: boolean;
  /** How long an announcement stays valid; default {@link DEFAULT_REGISTRY_TTL_MS}. */
  readonly registryTtlMs?: number;
  /** Topics the handlers write to, for the registry's topology; default none. */
  readonly produces?: readonly string[];
  /**
   * Store each request's reply for this long (ms) under its idempotency key
   * (the `idempotency-key` header, else the message id); a redelivered or
   * repeated request whose reply is stored is answered from the store and its
   * handler does not run again. Default 0: off.
   */
  readonly idempotencyTtlMs?: number;
  /** Logger; each handler gets a child with the message id and type. Default: a silent pino logger. */
  readonly logger?: Logger;
  /**
   * On start, delete other members of the group that have no pending entries
   * and have not read for this long (members named `<host>-<pid>` pile up over
   * restarts). A member that still owns pending entries is never deleted.
   * Default {@link DEFAULT_PRUNE_CONSUMERS_IDLE_MS}; 0 turns it off.
   */
  readonly pruneConsumersIdleMs?: number;
  /**
   * Longest wait of `drain()`/`close()` for running handlers and their writes;
   * after it they resolve anyway (an engine that is gone must not hold the
   * process), and what was not acknowledged stays pending for another member.
   * Default {@link DEFAULT_DRAIN_TIMEOUT_MS}.
   */
  readonly drainTimeoutMs?: number;
  /**
   * Time between two trims of the topic's streams: entries every consumer
   * group acknowledged are removed by one member (see docs/ARCHITECTURE.md,
   * "Retention"). Default {@link DEFAULT_TOPIC_TRIM_INTERVAL_MS}; 0 turns topic
   * trimming off.
   */
  readonly trimIntervalMs?: number;
  /** Cap of each topic stream by count, acknowledged or not, applied at each trim; default 0: none. */
  readonly topicMaxLen?: number;
  /** Cap of each topic stream by age in ms, acknowledged or not, applied at each trim; default 0: none. */
  readonly topicMaxAgeMs?: number;
  /** Cap of the dead-letter stream (about this many newest letters); default {@link DEFAULT_DEAD_LETTER_MAX_LEN}; 0: none. */
  readonly deadLetterMaxLen?: number;
}

/** Parsed, frozen service options. */
export interface ServiceConfig {
  readonly name: string;
  readonly topic: string;
  readonly shards: number;
  readonly group: string;
  readonly consumer: string;
  readonly concurrency: number;
  readonly maxDeliveries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly retryJitter: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly maxScheduledRetries: number;
  readonly groupStart: string;
  readonly deadLetterStream: string;
  readonly source: string;
  readonly announce: boolean;
  readonly registryTtlMs: number;
  readonly produces: readonly string[];
  readonly idempotencyTtlMs: number;
  readonly logger: Logger;
  readonly pruneConsumersIdleMs: number;
  readonly drainTimeoutMs: number;
  readonly trimIntervalMs: number;
  readonly topicMaxLen: number;
  readonly topicMaxAgeMs: number;
  readonly deadLetterMaxLen: number;
}

/**
 * The dead-letter stream of a topic: `<topic>:dlq`, one for all shards. It is
 * a plain key (no hash tag): the dead-letter append is never in the same
 * command as the topic's streams.
 */
export function deadLetterStream(topic: string): string {
  return `${topic}:dlq`;
}

const SERVICE_OPTION_KEYS = optionKeys<ServiceOptions>({
  name: true,
  topic: true,
  shards: true,
  group: true,
  consumer: true,
  concurrency: true,
  maxDeliveries: true,
  retryDelayMs: true,
  maxRetryDelayMs: true,
  retryJitter: true,
  claimIdleMs: true,
  claimIntervalMs: true,
  blockMs: true,
  maxScheduledRetries: true,
  groupStart: true,
  deadLetterStream: true,
  source: true,
  announce: true,
  registryTtlMs: true,
  produces: true,
  idempotencyTtlMs: true,
  logger: true,
  pruneConsumersIdleMs: true,
  drainTimeoutMs: true,
  trimIntervalMs: true,
  topicMaxLen: true,
  topicMaxAgeMs: true,
  deadLetterMaxLen: true,
});

/** Validates service options once; throws InvalidOptionError naming the bad option (an unknown key too). */
export function parseServiceOptions(input: unknown): ServiceConfig {
  const o = optionsObject(input, SERVICE_OPTION_KEYS);
  const name = stringOption(o['name'], 'name', '');
  if (name === '') throw new InvalidOptionError('name', 'a service needs a name');
  const topic = validateTopic(o['topic'], 'topic');
  const consumer = stringOption(o['consumer'], 'consumer', `${hostname()}-${process.pid}`);
  const retryDelayMs = intOption(o['retryDelayMs'], 'retryDelayMs', DEFAULT_RETRY_DELAY_MS, 0);
  const maxRetryDelayMs = intOption(o['maxRetryDelayMs'], 'maxRetryDelayMs', Math.max(DEFAULT_MAX_RETRY_DELAY_MS, retryDelayMs), retryDelayMs);
  return Object.freeze({
    name,
    topic,
    shards: intOption(o['shards'], 'shards', 1, 1, MAX_SHARDS),
    group: stringOption(o['group'], 'group', name),
    consumer,
    concurrency: intOption(o['concurrency'], 'concurrency', DEFAULT_CONCURRENCY, 1, 100_000),
    maxDeliveries: intOption(o['maxDeliveries'], 'maxDeliveries', DEFAULT_MAX_DELIVERIES, 1, 1_000),
    retryDelayMs,
    maxRetryDelayMs,
    retryJitter: numberOption(o['retryJitter'], 'retryJitter', DEFAULT_RETRY_JITTER, 0, 1),
    claimIdleMs: intOption(o['claimIdleMs'], 'claimIdleMs', DEFAULT_CLAIM_IDLE_MS, 1),
    claimIntervalMs: intOption(o['claimIntervalMs'], 'claimIntervalMs', DEFAULT_CLAIM_INTERVAL_MS, 1),
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_SERVICE_BLOCK_MS, 1),
    maxScheduledRetries: intOption(o['maxScheduledRetries'], 'maxScheduledRetries', DEFAULT_MAX_SCHEDULED_RETRIES, 0),
    groupStart: stringOption(o['groupStart'], 'groupStart', DEFAULT_SERVICE_GROUP_START),
    deadLetterStream: o['deadLetterStream'] === undefined ? deadLetterStream(topic) : validateTopic(o['deadLetterStream'], 'deadLetterStream'),
    source: stringOption(o['source'], 'source', ''),
    announce: boolOption(o['announce'], 'announce', true),
    registryTtlMs: intOption(o['registryTtlMs'], 'registryTtlMs', DEFAULT_REGISTRY_TTL_MS, 3),
    produces: Object.freeze(topicsOption(o['produces'], 'produces')),
    idempotencyTtlMs: intOption(o['idempotencyTtlMs'], 'idempotencyTtlMs', 0, 0),
    logger: loggerOption(o['logger'], 'logger'),
    pruneConsumersIdleMs: intOption(o['pruneConsumersIdleMs'], 'pruneConsumersIdleMs', DEFAULT_PRUNE_CONSUMERS_IDLE_MS, 0),
    drainTimeoutMs: intOption(o['drainTimeoutMs'], 'drainTimeoutMs', DEFAULT_DRAIN_TIMEOUT_MS, 1),
    trimIntervalMs: intOption(o['trimIntervalMs'], 'trimIntervalMs', DEFAULT_TOPIC_TRIM_INTERVAL_MS, 0),
    topicMaxLen: intOption(o['topicMaxLen'], 'topicMaxLen', 0, 0),
    topicMaxAgeMs: intOption(o['topicMaxAgeMs'], 'topicMaxAgeMs', 0, 0),
    deadLetterMaxLen: intOption(o['deadLetterMaxLen'], 'deadLetterMaxLen', DEFAULT_DEAD_LETTER_MAX_LEN, 0),
  });
}

/** The retry schedule of a service: core's one backoff, from `retryDelayMs` doubling to `maxRetryDelayMs`, shortened by up to `retryJitter`. */
export function retrySchedule(config: ServiceConfig): Backoff {
  return new Backoff({ minMs: config.retryDelayMs, maxMs: config.maxRetryDelayMs, jitter: config.retryJitter });
}
