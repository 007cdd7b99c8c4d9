/** Options of a {@link Client}, their defaults and their one parser. */
import { randomBytes } from 'node:crypto';
import { validateTopic } from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import type { Logger } from 'pino';
import { loggerOption } from '../options.js';

/** Default time a request waits for its reply. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default most requests waiting for a reply at once; one more is refused with `ERR_STREAMERSON_OVERLOAD`. */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;
/** Default time a reply read blocks, which bounds how fast `close()` returns. */
export const DEFAULT_REPLY_BLOCK_MS = 1_000;
/** Default most replies read at once. */
export const DEFAULT_REPLY_READ_COUNT = 1_000;
/** Default least time between two trims of the reply stream. */
export const DEFAULT_REPLY_TRIM_INTERVAL_MS = 1_000;
/** Default time to live of a reply stream, refreshed every third of it while the client lives. */
export const DEFAULT_REPLY_TTL_MS = 30_000;
/** Default cap of every topic stream a client writes to (`XTRIM MAXLEN ~`, once per `trimIntervalMs`): a topic nobody consumes stops growing there. */
export const DEFAULT_TOPIC_MAX_LEN = 1_000_000;
/** Prefix of reply stream names: `_reply:<client id>`. */
export const REPLY_STREAM_PREFIX = '_reply:';

/** Options of a {@link Client}. */
export interface ClientOptions {
  /** Instance id: names the reply stream, prefixes request ids and is the source of one-way messages; default random. */
  readonly id?: string;
  /** Default request timeout; default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  readonly timeout?: number;
  /** Bound of requests waiting; default {@link DEFAULT_MAX_IN_FLIGHT}. */
  readonly maxInFlight?: number;
  /** Reply read block time; default {@link DEFAULT_REPLY_BLOCK_MS}. */
  readonly blockMs?: number;
  /** Replies read at once; default {@link DEFAULT_REPLY_READ_COUNT}. */
  readonly readCount?: number;
  /** Least time between trims of the reply stream, and of the topics written (see `topicMaxLen`); default {@link DEFAULT_REPLY_TRIM_INTERVAL_MS}. */
  readonly trimIntervalMs?: number;
  /**
   * The reply stream is deleted this long after the client stops refreshing it
   * (a client that dies without `close()` leaves nothing behind for long);
   * default {@link DEFAULT_REPLY_TTL_MS}.
   */
  readonly replyTtlMs?: number;
  /**
   * Cap of each topic stream the client writes requests or messages to,
   * applied at most once per `trimIntervalMs` to the streams written since;
   * default {@link DEFAULT_TOPIC_MAX_LEN}; 0: none. Services trim their topics
   * of what was acknowledged long before (docs/ARCHITECTURE.md, "Retention").
   */
  readonly topicMaxLen?: number;
  /** Logger (pino or compatible: `error`, `child`) of the client's loop errors; default a silent one: nothing is logged unless given. */
  readonly logger?: Logger;
}

/** Parsed, frozen client options. */
export interface ClientConfig {
  readonly id: string;
  readonly replyStream: string;
  readonly timeout: number;
  readonly maxInFlight: number;
  readonly blockMs: number;
  readonly readCount: number;
  readonly trimIntervalMs: number;
  readonly replyTtlMs: number;
  readonly topicMaxLen: number;
  readonly logger: Logger;
}

const CLIENT_OPTION_KEYS = optionKeys<ClientOptions>({
  id: true,
  timeout: true,
  maxInFlight: true,
  blockMs: true,
  readCount: true,
  trimIntervalMs: true,
  replyTtlMs: true,
  topicMaxLen: true,
  logger: true,
});

/** Validates client options once; throws InvalidOptionError naming the bad option (an unknown key too). */
export function parseClientOptions(input: unknown): ClientConfig {
  const o = optionsObject(input ?? {}, CLIENT_OPTION_KEYS);
  const id = o['id'] === undefined ? randomBytes(8).toString('hex') : validateTopic(o['id'], 'id');
  return Object.freeze({
    id,
    replyStream: REPLY_STREAM_PREFIX + id,
    timeout: intOption(o['timeout'], 'timeout', DEFAULT_REQUEST_TIMEOUT_MS, 1),
    maxInFlight: intOption(o['maxInFlight'], 'maxInFlight', DEFAULT_MAX_IN_FLIGHT, 1),
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_REPLY_BLOCK_MS, 1),
    readCount: intOption(o['readCount'], 'readCount', DEFAULT_REPLY_READ_COUNT, 1),
    trimIntervalMs: intOption(o['trimIntervalMs'], 'trimIntervalMs', DEFAULT_REPLY_TRIM_INTERVAL_MS, 0),
    replyTtlMs: intOption(o['replyTtlMs'], 'replyTtlMs', DEFAULT_REPLY_TTL_MS, 3),
    topicMaxLen: intOption(o['topicMaxLen'], 'topicMaxLen', DEFAULT_TOPIC_MAX_LEN, 0),
    logger: loggerOption(o['logger'], 'logger'),
  });
}
