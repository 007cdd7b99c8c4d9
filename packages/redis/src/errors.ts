import { ClosedError, EngineError, StreamersonError } from '@streamerson/core';

/** Socket-level error codes that mean the server cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Messages ioredis uses when a command could not be delivered or answered. */
const CONNECTION_MESSAGES = [
  'Connection is closed',
  'Reached the max retries per request limit',
  'Stream isn\'t writeable',
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Command timed out',
  'CLUSTERDOWN',
  'connect ETIMEDOUT',
];

/**
 * Turns whatever ioredis rejected with into a typed error: Redis replies by
 * their prefix or text (Redis has no finer codes for stream errors), transport
 * failures as `ERR_STREAMERSON_CONNECTION`. `closed` is true once the engine or
 * reader was closed: then every failure is a {@link ClosedError}.
 */
export function toStreamersonError(error: unknown, closed: boolean, what = 'redis engine'): StreamersonError {
  if (error instanceof StreamersonError) return error;
  if (closed) return new ClosedError(what);
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  if (message.startsWith('NOGROUP')) return new EngineError('ERR_STREAMERSON_NO_GROUP', message, cause);
  if (message.includes('equal or smaller than the target stream top item') || message.includes('must be greater than 0-0')) {
    return new EngineError('ERR_STREAMERSON_ID_TOO_SMALL', message, cause);
  }
  if (message.includes('Invalid stream ID')) return new EngineError('ERR_STREAMERSON_INVALID_ID', message, cause);
  const name = error instanceof Error ? error.name : '';
  if (name !== 'ReplyError') {
    const code = (error as { code?: unknown } | null)?.code;
    if (
      name === 'MaxRetriesPerRequestError' ||
      (typeof code === 'string' && NETWORK_CODES.has(code)) ||
      CONNECTION_MESSAGES.some((m) => message.includes(m))
    ) {
      return new EngineError('ERR_STREAMERSON_CONNECTION', message, cause);
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
