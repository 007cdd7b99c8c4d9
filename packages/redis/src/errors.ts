import type { EventEmitter } from 'node:events';
import { ClosedError, EngineError, StreamersonError } from '@streamerson/core';

/** Socket-level error codes that mean the server cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Messages ioredis uses when a command could not be delivered or answered. */
const CONNECTION_MESSAGES = [
  'Connection is closed',
  'Reached the max retries per request limit',
  "Stream isn't writeable",
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Command timed out',
  'CLUSTERDOWN',
  'connect ETIMEDOUT',
];

/** Why a connection failed (see {@link ConnectionError}). */
export type ConnectionFailure = 'refused' | 'unknown-host' | 'tls' | 'auth' | 'timeout' | 'reset' | 'unreachable' | 'lost' | 'unknown-master';

/**
 * The engine cannot talk to Redis (`ERR_STREAMERSON_CONNECTION`): the message
 * names the address and the cause in one line, `reason` classifies it.
 */
export class ConnectionError extends StreamersonError {
  override readonly name = 'ConnectionError';
  /** The server's address: the engine URL (password redacted), or the node that failed. */
  readonly address: string;
  readonly reason: ConnectionFailure;

  constructor(address: string, reason: ConnectionFailure, detail: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_CONNECTION', `cannot reach ${address}: ${detail}`, options);
    this.address = address;
    this.reason = reason;
  }
}

/** What {@link watchConnection} knows of a client's connection. */
interface ConnectionState {
  readonly address: string;
  readonly tls: boolean;
  /** Whether the connection was ever ready. */
  connected: boolean;
  /** The last transport error since the connection was last ready. */
  error: (Error & { code?: unknown; hostname?: unknown }) | undefined;
}

const watched = new WeakMap<object, ConnectionState>();

/**
 * Listens to a client's connection errors (without a listener ioredis prints
 * them) and keeps the last one, so that a command that fails for want of a
 * connection — ioredis says only "Reached the max retries per request limit"
 * or "Connection is closed" — can say why.
 */
export function watchConnection(client: EventEmitter, address: string): void {
  const state: ConnectionState = { address, tls: /^rediss/.test(address), connected: false, error: undefined };
  watched.set(client, state);
  client.on('error', (error: Error) => {
    state.error = error;
  });
  client.on('ready', () => {
    state.connected = true;
    state.error = undefined;
  });
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/**
 * The cause of a connection failure in words: from the last transport error
 * seen on the client, else from the failure itself.
 */
function connectionError(state: ConnectionState | undefined, failure: unknown): ConnectionError {
  const address = state?.address ?? 'redis';
  const cause = { cause: failure };
  const last = state?.error as (ConnectionState['error'] & { lastNodeError?: ConnectionState['error'] }) | undefined;
  // A Redis Cluster reports the failure of its last node inside its own.
  const seen = last?.lastNodeError ?? last ?? (failure as ConnectionState['error']);
  const code = typeof seen?.code === 'string' ? seen.code : '';
  const text = (seen?.message ?? String(failure)).replace(/\s*\n\s*/g, ' ');
  if (code === 'ECONNREFUSED') return new ConnectionError(address, 'refused', 'connection refused (ECONNREFUSED)', cause);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    const host = typeof seen?.hostname === 'string' ? ` "${seen.hostname}"` : '';
    return new ConnectionError(address, 'unknown-host', `unknown host${host} (${code})`, cause);
  }
  if (TLS_CODE.test(code)) return new ConnectionError(address, 'tls', `TLS: ${text} (${code})`, cause);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ConnectionError(address, 'unreachable', `host unreachable (${code})`, cause);
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    const hint = state?.tls === false ? ' — a TLS port? use rediss://' : '';
    return new ConnectionError(address, 'reset', `the server closed the connection (${code})${hint}`, cause);
  }
  if (code === 'ETIMEDOUT') {
    const tls = state?.tls === true;
    const hint = tls ? ' or in the TLS handshake — not a TLS port? use redis://' : '';
    return new ConnectionError(address, 'timeout', `no answer in time while connecting${hint} (ETIMEDOUT)`, cause);
  }
  if (text.includes('Command timed out')) return new ConnectionError(address, 'timeout', 'a command got no answer in time', cause);
  if (state?.connected === false) return new ConnectionError(address, 'lost', `no connection could be made (${text})`, cause);
  return new ConnectionError(address, 'lost', `the connection was lost (${text})`, cause);
}

/**
 * Turns whatever ioredis rejected with into a typed error: Redis replies by
 * their prefix or text (Redis has no finer codes for stream errors), transport
 * and authentication failures as a {@link ConnectionError} naming the address
 * and the cause (with `client`, from the errors {@link watchConnection} saw on
 * it). `closed` is true once the engine or reader was closed: then every
 * failure is a {@link ClosedError}.
 */
export function toStreamersonError(error: unknown, closed: boolean, what = 'redis engine', client?: object): StreamersonError {
  if (error instanceof StreamersonError) return error;
  if (closed) return new ClosedError(what);
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  const state = client === undefined ? undefined : watched.get(client);
  if (message.startsWith('WRONGPASS') || message.startsWith('NOAUTH')) {
    return new ConnectionError(state?.address ?? 'redis', 'auth', `authentication failed: ${message.replace(/\.$/, '')}`, cause);
  }
  if (message.startsWith('NOGROUP')) return new EngineError('ERR_STREAMERSON_NO_GROUP', message, cause);
  if (message.includes('equal or smaller than the target stream top item') || message.includes('must be greater than 0-0')) {
    return new EngineError('ERR_STREAMERSON_ID_TOO_SMALL', message, cause);
  }
  if (message.includes('Invalid stream ID')) return new EngineError('ERR_STREAMERSON_INVALID_ID', message, cause);
  const name = error instanceof Error ? error.name : '';
  if (name !== 'ReplyError') {
    const code = (error as { code?: unknown } | null)?.code;
    if (name === 'MaxRetriesPerRequestError' || (typeof code === 'string' && NETWORK_CODES.has(code)) || CONNECTION_MESSAGES.some((m) => message.includes(m))) {
      return connectionError(state, error);
    }
  } else if (message.startsWith('CLUSTERDOWN') || message.startsWith('LOADING') || message.startsWith('MASTERDOWN')) {
    return new EngineError('ERR_STREAMERSON_CONNECTION', message, cause);
  }
  return new EngineError('ERR_STREAMERSON_ENGINE', message, cause);
}

/** True for the "no such key" reply of XINFO on a missing stream. */
export function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && error.message.includes('no such key');
}
