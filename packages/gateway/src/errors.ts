/**
 * How failures become HTTP answers and WebSocket error frames: a status, a
 * stable code and a message safe to show (never a stack trace). Every error
 * body is `{ "error": { "code", "message" } }` (plus `details` from a worker's
 * error reply when it sent some).
 */
import { ProtocolError, StreamersonError } from '@streamerson/core';
import { RemoteError } from '@streamerson/service';

/** A failure as the gateway answers it. */
export interface GatewayFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
  /** Whether the answer carries `Retry-After`. */
  readonly retry: boolean;
}

/** The error body of every failed HTTP answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

const UNAVAILABLE_CODES = new Set(['ERR_STREAMERSON_CONNECTION', 'ERR_STREAMERSON_ENGINE', 'ERR_STREAMERSON_CLOSED', 'ERR_STREAMERSON_NO_GROUP']);
const BAD_REQUEST_CODES = new Set([
  'ERR_STREAMERSON_BAD_REQUEST',
  'ERR_STREAMERSON_INVALID_OPTION',
  'ERR_STREAMERSON_BAD_PAYLOAD',
  'ERR_STREAMERSON_INVALID_ID',
]);

/** A failure answered without involving a worker. */
export function failure(status: number, code: string, message: string, retry = false): GatewayFailure {
  return { status, code, message, retry };
}

/**
 * Fastify's own errors — the router's (a bad URL, a path parameter over
 * `maxParamLength`), body parsing, schema validation — as coded failures whose
 * messages name no internals; undefined for anything else.
 */
export function fastifyFailure(err: {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly validation?: unknown;
}): GatewayFailure | undefined {
  if (err.code === 'FST_ERR_BAD_URL') return failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'the path is not valid percent-encoded UTF-8');
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return failure(414, 'ERR_STREAMERSON_TOO_LARGE', 'a path parameter is too long');
  const status = err.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return failure(413, 'ERR_STREAMERSON_TOO_LARGE', 'request body is too large');
  if (status === 404) return failure(404, 'ERR_STREAMERSON_NOT_FOUND', 'not found');
  if (status === 408) return failure(408, 'ERR_STREAMERSON_TIMEOUT', 'the request body did not arrive in time');
  const message = err.validation !== undefined ? String(err.message) : status === 415 ? 'unsupported media type' : 'malformed request body';
  return failure(status, 'ERR_STREAMERSON_BAD_REQUEST', message);
}

/** Maps anything thrown while serving a request to what the caller gets. */
export function toFailure(err: unknown): GatewayFailure {
  if (err instanceof RemoteError) {
    const base = { status: err.status >= 400 && err.status <= 599 ? err.status : 502, code: err.errorCode, message: err.message, retry: err.status === 503 };
    return err.details === undefined ? base : { ...base, details: err.details };
  }
  // An entry read from the engine that cannot be decoded: the worker's reply, not the caller's request, is at fault.
  if (err instanceof ProtocolError) return failure(502, err.code, "the worker's reply cannot be decoded");
  if (err instanceof StreamersonError) {
    switch (err.code) {
      case 'ERR_STREAMERSON_TIMEOUT':
        return failure(504, err.code, 'no reply before the deadline');
      case 'ERR_STREAMERSON_OVERLOAD':
        return failure(503, err.code, 'too many requests in flight', true);
      case 'ERR_STREAMERSON_TOO_LARGE':
        return failure(413, err.code, err.message);
      case 'ERR_STREAMERSON_NOT_FOUND':
        return failure(404, err.code, err.message);
      case 'ERR_STREAMERSON_FORBIDDEN':
        return failure(403, err.code, err.message);
      case 'ERR_STREAMERSON_SLOW_CONSUMER':
        return failure(503, err.code, err.message, true);
      case 'ERR_STREAMERSON_UNAVAILABLE':
        return failure(503, err.code, err.message, true);
      // Stored, so it may still be delivered: no Retry-After, a retry could repeat it.
      case 'ERR_STREAMERSON_NOT_REPLICATED':
        return failure(503, err.code, 'stored on the primary only: too few replicas confirmed it in time, and a failover may lose it');
      default:
        if (UNAVAILABLE_CODES.has(err.code)) return failure(503, 'ERR_STREAMERSON_UNAVAILABLE', 'the stream engine is unavailable', true);
        // The encoder's own words (a stack overflow, …) are internal.
        if (err.code === 'ERR_STREAMERSON_BAD_PAYLOAD') return failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'the payload cannot be encoded');
        if (BAD_REQUEST_CODES.has(err.code)) return failure(400, 'ERR_STREAMERSON_BAD_REQUEST', err.message);
    }
  }
  const fromFastify = typeof err === 'object' && err !== null ? fastifyFailure(err as { statusCode?: number }) : undefined;
  // Anything else is a gateway bug or an unknown failure: its text may be internal.
  return fromFastify ?? failure(500, 'ERR_STREAMERSON_INTERNAL', 'internal gateway error');
}

/** The JSON body of a failure. */
export function errorBody(f: GatewayFailure): ErrorBody {
  return { error: f.details === undefined ? { code: f.code, message: f.message } : { code: f.code, message: f.message, details: f.details } };
}
