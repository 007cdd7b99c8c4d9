/**
 * Headers the gateway puts on the messages it writes for a caller: the W3C
 * trace context (`traceparent`, `tracestate`) when the caller sent a valid
 * one, and the caller's `Idempotency-Key`, scoped to the route and the
 * caller's identity so that two callers (or two routes) never share a key.
 */
import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER, StreamersonError, TRACEPARENT_HEADER, TRACESTATE_HEADER, type Headers } from '@streamerson/core';

/** `version-traceid-parentid-flags`, lower-case hex (W3C Trace Context); anything else is ignored, as the spec says. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
/** Longest `tracestate` forwarded (W3C: 32 members of at most 256 characters each, 512 characters kept at least). */
const MAX_TRACESTATE_LENGTH = 512;
/** Longest `Idempotency-Key` accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Visible ASCII. */
const KEY = /^[!-~]+$/;

/** The trace context to forward, or undefined when `traceparent` is missing or not valid. */
export function traceContext(traceparent: unknown, tracestate: unknown): Headers | undefined {
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent)) return undefined;
  if (typeof tracestate === 'string' && tracestate !== '' && tracestate.length <= MAX_TRACESTATE_LENGTH) {
    return { [TRACEPARENT_HEADER]: traceparent, [TRACESTATE_HEADER]: tracestate };
  }
  return { [TRACEPARENT_HEADER]: traceparent };
}

/**
 * The message's idempotency key for a caller's key: a hash of the route, the
 * caller's identity and the key. Throws `ERR_STREAMERSON_BAD_REQUEST` for a
 * key that is not 1–255 visible ASCII characters.
 */
export function scopedIdempotencyKey(key: unknown, route: string, identity: string): string {
  if (typeof key !== 'string' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY.test(key)) {
    throw new StreamersonError('ERR_STREAMERSON_BAD_REQUEST', `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`);
  }
  const hash = createHash('sha256').update(route).update('\n').update(identity).update('\n').update(key).digest('base64url');
  return `http:${hash}`;
}

/** The headers of the message: trace context and idempotency key; undefined when there are none. */
export function messageHeaders(trace: Headers | undefined, idempotencyKey: string | undefined): Headers | undefined {
  if (idempotencyKey === undefined) return trace;
  return { ...trace, [IDEMPOTENCY_KEY_HEADER]: idempotencyKey };
}
