import type { ConnectionOptions } from 'node:tls';
import { InvalidOptionError } from '@streamerson/core';
import { Backoff, intOption, optionKeys, optionsObject, stringOption } from '@streamerson/core/internal';

/** Milliseconds to wait for a TCP (and TLS) connection before retrying. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Reconnect attempts a command waits through before it fails with `ERR_STREAMERSON_CONNECTION`. */
export const DEFAULT_MAX_RETRIES_PER_REQUEST = 20;
/** First reconnect delay; each further attempt waits twice as long (with jitter), up to {@link DEFAULT_MAX_RECONNECT_DELAY_MS}. */
export const DEFAULT_RECONNECT_DELAY_MS = 50;
/** Longest wait between two reconnect attempts. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
/** Connections one cluster reader opens at most, one per hash slot it blocks on at the same time. */
export const DEFAULT_MAX_READER_CONNECTIONS = 64;
/** Replicas that must confirm an append before it resolves: none (the primary's acknowledgement is enough). */
export const DEFAULT_REPLICAS = 0;
/** Longest wait for replicas to confirm appends (`WAIT`), with `replicas` > 0. */
export const DEFAULT_REPLICA_TIMEOUT_MS = 1_000;

/** Options of the Redis engine. Every field is optional; the parsed options are frozen. */
export interface RedisEngineOptions {
  /** Milliseconds to wait for a connection; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number;
  /**
   * Milliseconds a non-blocking command may take before it fails; default none.
   * Blocking reads on readers are never subject to it.
   */
  readonly commandTimeoutMs?: number;
  /** Reconnect attempts a command waits through; default {@link DEFAULT_MAX_RETRIES_PER_REQUEST}. */
  readonly maxRetriesPerRequest?: number;
  /** First reconnect delay (capped exponential back-off with jitter, `Backoff`); default {@link DEFAULT_RECONNECT_DELAY_MS}. */
  readonly reconnectDelayMs?: number;
  /** Cap of the reconnect delay; default {@link DEFAULT_MAX_RECONNECT_DELAY_MS}. */
  readonly maxReconnectDelayMs?: number;
  /** Reconnect attempts before the engine gives up for good; default unlimited (commands stay bounded by `maxRetriesPerRequest`). */
  readonly maxReconnectAttempts?: number;
  /** TLS options passed to `tls.connect` (CA, client certificate, servername…); used with `rediss://`. Default none. */
  readonly tls?: ConnectionOptions;
  /** Name the connections report in `CLIENT LIST`; default none. */
  readonly connectionName?: string;
  /** Connections a cluster reader may hold at once; default {@link DEFAULT_MAX_READER_CONNECTIONS}. */
  readonly maxReaderConnections?: number;
  /**
   * Standalone and Sentinel: appends (and a worker's replies with their acks)
   * resolve only once this many replicas confirm them (`WAIT`), so that a
   * failover to any of them loses none; when fewer confirm within
   * `replicaTimeoutMs` they reject with `ERR_STREAMERSON_NOT_REPLICATED` (the
   * entry is on the primary, maybe not on a replica). Default
   * {@link DEFAULT_REPLICAS}: the primary's acknowledgement is enough, and a
   * failover loses what it had not replicated yet.
   */
  readonly replicas?: number;
  /** Longest wait for `replicas` confirmations; default {@link DEFAULT_REPLICA_TIMEOUT_MS}. */
  readonly replicaTimeoutMs?: number;
  /** `redis+sentinel://`: the user the Sentinels want, when they require one; default none. */
  readonly sentinelUsername?: string;
  /** `redis+sentinel://`: the password the Sentinels want, when they require one; default none. */
  readonly sentinelPassword?: string;
}

/** Options after validation, defaults applied. */
export interface ParsedRedisEngineOptions {
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number | undefined;
  readonly maxRetriesPerRequest: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly maxReconnectAttempts: number;
  readonly tls: ConnectionOptions | undefined;
  readonly connectionName: string | undefined;
  readonly maxReaderConnections: number;
  readonly replicas: number;
  readonly replicaTimeoutMs: number;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
}

const KNOWN = optionKeys<RedisEngineOptions>({
  connectTimeoutMs: true,
  commandTimeoutMs: true,
  maxRetriesPerRequest: true,
  reconnectDelayMs: true,
  maxReconnectDelayMs: true,
  maxReconnectAttempts: true,
  tls: true,
  connectionName: true,
  maxReaderConnections: true,
  replicas: true,
  replicaTimeoutMs: true,
  sentinelUsername: true,
  sentinelPassword: true,
});

/** Validates engine options once; throws {@link InvalidOptionError} naming the bad option. */
export function parseRedisEngineOptions(options: RedisEngineOptions | Readonly<Record<string, unknown>> = {}): ParsedRedisEngineOptions {
  if (options !== null && typeof options === 'object' && 'keyPrefix' in options) {
    throw new InvalidOptionError('keyPrefix', 'not supported: stream keys are used exactly as given');
  }
  const o = optionsObject(options, KNOWN);
  const tls = o['tls'];
  if (tls !== undefined && (tls === null || typeof tls !== 'object')) {
    throw new InvalidOptionError('tls', 'expected an object of tls.connect options');
  }
  const name = o['connectionName'];
  if (name !== undefined && (typeof name !== 'string' || /\s/.test(name) || name === '')) {
    throw new InvalidOptionError('connectionName', 'expected a non-empty string without spaces');
  }
  const commandTimeoutMs = o['commandTimeoutMs'] === undefined ? undefined : intOption(o['commandTimeoutMs'], 'commandTimeoutMs', 0, 1);
  const reconnectDelayMs = intOption(o['reconnectDelayMs'], 'reconnectDelayMs', DEFAULT_RECONNECT_DELAY_MS, 1);
  const maxReconnectDelayMs = intOption(o['maxReconnectDelayMs'], 'maxReconnectDelayMs', DEFAULT_MAX_RECONNECT_DELAY_MS, 1);
  if (maxReconnectDelayMs < reconnectDelayMs) {
    throw new InvalidOptionError('maxReconnectDelayMs', `must be >= reconnectDelayMs (${reconnectDelayMs})`);
  }
  return Object.freeze({
    connectTimeoutMs: intOption(o['connectTimeoutMs'], 'connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS, 1),
    commandTimeoutMs,
    maxRetriesPerRequest: intOption(o['maxRetriesPerRequest'], 'maxRetriesPerRequest', DEFAULT_MAX_RETRIES_PER_REQUEST, 0),
    reconnectDelayMs,
    maxReconnectDelayMs,
    maxReconnectAttempts: o['maxReconnectAttempts'] === Infinity ? Infinity : intOption(o['maxReconnectAttempts'], 'maxReconnectAttempts', Infinity, 0),
    tls: tls === undefined ? undefined : Object.freeze({ ...(tls as ConnectionOptions) }),
    connectionName: name as string | undefined,
    maxReaderConnections: intOption(o['maxReaderConnections'], 'maxReaderConnections', DEFAULT_MAX_READER_CONNECTIONS, 1),
    replicas: intOption(o['replicas'], 'replicas', DEFAULT_REPLICAS, 0, 100),
    replicaTimeoutMs: intOption(o['replicaTimeoutMs'], 'replicaTimeoutMs', DEFAULT_REPLICA_TIMEOUT_MS, 1),
    sentinelUsername: o['sentinelUsername'] === undefined ? undefined : stringOption(o['sentinelUsername'], 'sentinelUsername', ''),
    sentinelPassword: o['sentinelPassword'] === undefined ? undefined : stringOption(o['sentinelPassword'], 'sentinelPassword', ''),
  });
}

/** The reconnect back-off: capped exponential with jitter ({@link Backoff}), and `null` (give up) past `maxReconnectAttempts`. */
export function retryStrategy(options: ParsedRedisEngineOptions): (times: number) => number | null {
  const { reconnectDelayMs, maxReconnectDelayMs, maxReconnectAttempts } = options;
  const schedule = new Backoff({ minMs: reconnectDelayMs, maxMs: maxReconnectDelayMs });
  return (times) => (times > maxReconnectAttempts ? null : schedule.delay(times));
}
