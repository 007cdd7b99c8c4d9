/**
 * Message headers (the `h` field of protocol v1): a JSON object of string
 * values, or the empty string for no headers. See docs/PROTOCOL.md, "Headers".
 */
import { InvalidOptionError } from '../errors.js';
import { jsonString } from './json-string.js';
import type { Headers } from './types.js';

/** Reply header: decimal status, `200` for success, >= 400 for errors (HTTP meaning). */
export const STATUS_HEADER = 'status';
/** Error reply header: stable error code (`ERR_STREAMERSON_…` or an application code). */
export const ERROR_HEADER = 'error';
/** Request header: absolute Unix time in ms (decimal) after which workers skip the request. */
export const DEADLINE_HEADER = 'deadline';
/** W3C trace context `traceparent`. */
export const TRACEPARENT_HEADER = 'traceparent';
/** W3C trace context `tracestate`. */
export const TRACESTATE_HEADER = 'tracestate';

/**
 * Request header: a caller-chosen key; a service with idempotency on answers
 * every request with the same key with the reply stored for the first one.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Set only by a gateway, on every message it writes for a client: how the
 * client reached it — `http` (an HTTP route; the payload is the gateway-built
 * HTTP envelope) or `ws` (a WebSocket topic request or publish; the payload is
 * the client's own). Clients cannot set message headers through a gateway.
 */
export const GATEWAY_HEADER = 'gateway';
/** Set only by a gateway: the client's identity as the gateway's authentication set it, JSON text; absent when it has none. */
export const AUTH_HEADER = 'auth';

/** Header names with a meaning defined by the protocol; applications must not use them otherwise. */
export const RESERVED_HEADERS: readonly string[] = Object.freeze([
  STATUS_HEADER,
  ERROR_HEADER,
  DEADLINE_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  GATEWAY_HEADER,
  AUTH_HEADER,
]);

/** The headers of every message without headers; shared and frozen. */
export const NO_HEADERS: Headers = Object.freeze({});

/**
 * The `h` field: `''` when there are no headers, else their JSON text. Throws
 * `ERR_STREAMERSON_INVALID_OPTION` naming `headers.<name>` when a value is not
 * a string (headers carry strings only, so that every language reads them alike).
 */
export function encodeHeaders(headers: Headers | undefined): string {
  if (headers === undefined || headers === null) return '';
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw new InvalidOptionError('headers', `expected an object of strings, got ${Array.isArray(headers) ? 'an array' : typeof headers}`);
  }
  const names = Object.keys(headers);
  if (names.length === 0) return '';
  for (const name of names) {
    const value = headers[name];
    if (typeof value !== 'string') {
      throw new InvalidOptionError(`headers.${name}`, `header values must be strings, got ${typeof value}`);
    }
  }
  return JSON.stringify(headers);
}

/** The text of a frozen header object without its closing brace (`{"a":"b"` or `{`): frozen objects cannot change, so each is checked and encoded once. */
const openTexts = new WeakMap<Headers, string>();

/**
 * The `h` field of `{ ...base, ...extra }`, with the errors of
 * {@link encodeHeaders}. A frozen `base` (a gateway's headers, which all of
 * its requests share) whose names `extra` does not repeat is checked and
 * encoded once: each call then adds only `extra`'s pairs to its text.
 */
export function encodeHeadersWith(base: Headers | undefined, extra: Headers): string {
  if (base === undefined || base === null || !Object.isFrozen(base)) return encodeHeaders({ ...base, ...extra });
  let text = openTexts.get(base);
  if (text === undefined) {
    // Throws for what is not an object of strings, before anything is kept.
    const whole = encodeHeaders(base);
    text = whole === '' ? '{' : whole.slice(0, -1);
    openTexts.set(base, text);
  }
  for (const name of Object.keys(extra)) {
    // Replacing a value keeps its place among the names: the general way keeps the order right.
    if (Object.hasOwn(base, name)) return encodeHeaders({ ...base, ...extra });
    const value = extra[name];
    if (typeof value !== 'string') throw new InvalidOptionError(`headers.${name}`, `header values must be strings, got ${typeof value}`);
    text += `${text.length === 1 ? '' : ','}${jsonString(name)}:${jsonString(value)}`;
  }
  return text.length === 1 ? '' : `${text}}`;
}

/**
 * Decodes the `h` field; undefined when it is not `''` or a JSON object whose
 * values are all strings (the codec reports that as a bad entry).
 */
export function decodeHeaders(bytes: Buffer): Headers | undefined {
  if (bytes.length === 0) return NO_HEADERS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  for (const name in parsed) {
    if (typeof (parsed as Record<string, unknown>)[name] !== 'string') return undefined;
  }
  return parsed as Headers;
}
