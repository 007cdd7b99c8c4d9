import type { RawEntry } from './engine/types.js';

/**
 * Every error Streamerson raises is a {@link StreamersonError} with a stable
 * `code` from {@link ERROR_CODES}. Callers match on `code` (or `instanceof`),
 * never on message text. `docs/ERRORS.md` lists the same codes; a test keeps the
 * two in step.
 */

/** Stable error codes and what each means. The single registry of codes. */
export const ERROR_CODES = {
  ERR_STREAMERSON_INVALID_OPTION: 'An option has a wrong type or value; the message names the option.',
  ERR_STREAMERSON_INVALID_URL: 'An engine URL cannot be parsed or names no known scheme.',
  ERR_STREAMERSON_ENGINE_UNAVAILABLE: 'The engine for a URL scheme is not installed (for example @streamerson/redis for redis://).',
  ERR_STREAMERSON_ENGINE: 'The engine (for example Redis) answered a command with an error; `cause` holds it.',
  ERR_STREAMERSON_CONNECTION: 'The engine cannot be reached, or the connection was lost while a command was under way.',
  ERR_STREAMERSON_NOT_REPLICATED:
    'An append reached the primary, but fewer replicas than asked for (`replicas`) confirmed it in time: it is stored, yet a failover may lose it.',
  ERR_STREAMERSON_NO_GROUP: 'A consumer-group operation named a group (or stream) that does not exist.',
  ERR_STREAMERSON_INVALID_ID: 'A stream entry id is not of the form `<ms>-<seq>` (or a special id where one is allowed).',
  ERR_STREAMERSON_ID_TOO_SMALL: 'An explicit entry id is equal to or smaller than the last id of the stream.',
  ERR_STREAMERSON_FILE_ACCESS: 'A file:// store directory cannot be created, written or locked; the message names the path.',
  ERR_STREAMERSON_FILE_CORRUPT: 'A file:// store file is not a database or is damaged; it is left as it is, and the message names it.',
  ERR_STREAMERSON_FILE_FORMAT: 'A file:// store was written in another format version (or by another program); nothing is changed in it.',
  ERR_STREAMERSON_CLOSED: 'The object was closed or destroyed; no further operations are accepted.',
  ERR_STREAMERSON_ABORTED: 'The operation was cancelled through its AbortSignal.',
  ERR_STREAMERSON_TIMEOUT: 'The operation did not finish before its deadline.',
  ERR_STREAMERSON_OVERLOAD: 'A bound was reached (buffer, in-flight limit); the caller should retry later.',
  ERR_STREAMERSON_BAD_ENTRY: 'A stream entry does not follow the wire protocol; the error carries the raw entry.',
  ERR_STREAMERSON_UNSUPPORTED_VERSION: 'A stream entry carries a protocol version this library does not speak; the error carries the raw entry.',
  ERR_STREAMERSON_BAD_PAYLOAD: 'A payload cannot be encoded or decoded with its content type.',
  ERR_STREAMERSON_CONSUMPTION_STYLE: 'A consumer was used with two consumption styles (for example events and for-await).',
  ERR_STREAMERSON_SERVICE: 'A service handler failed; an error reply carries this code unless the handler gave its own.',
  ERR_STREAMERSON_REMOTE: 'A request was answered with an error reply; the error carries its status, code, message and details.',
  ERR_STREAMERSON_UNKNOWN_TYPE: 'A service received a message type it has no handler for.',
  ERR_STREAMERSON_DEAD_LETTER: 'A message failed on every allowed delivery and was moved to the dead-letter stream.',
  ERR_STREAMERSON_POISON:
    'A message was delivered more than `maxDeliveries` times without an outcome (its worker died or hung each time); it was dead-lettered without running again.',
  ERR_STREAMERSON_INVALID_PAYLOAD: 'A payload fails the schema registered for its message type; the handler did not run.',
  ERR_STREAMERSON_BAD_REQUEST: 'A request (HTTP body, WebSocket frame) is malformed or fails its schema; nothing was sent.',
  ERR_STREAMERSON_TOO_LARGE: 'A request body, frame or path parameter is over its size limit (a gateway answers 413, or 414 for a path parameter).',
  ERR_STREAMERSON_NOT_FOUND: 'No route, topic or entry matches the request.',
  ERR_STREAMERSON_FORBIDDEN: 'The authorization hook refused the operation on this topic.',
  ERR_STREAMERSON_UNAVAILABLE: 'The engine cannot be reached or a topic is over its length cap; retry after the given delay.',
  ERR_STREAMERSON_SLOW_CONSUMER: 'A subscriber fell behind past its bounded send buffer and was dropped.',
  ERR_STREAMERSON_BAD_INPUT: 'A line of command-line input (NDJSON, CSV) cannot be parsed; the error names the line.',
  ERR_STREAMERSON_USAGE: 'A command was called with wrong or missing arguments.',
  ERR_STREAMERSON_FENCED: 'A fenced write was refused: its writer no longer holds the lease at its epoch (another writer took over); nothing was written.',
  ERR_STREAMERSON_UNSUPPORTED: 'The engine lacks a capability the operation needs (for example fenced writes).',
  ERR_STREAMERSON_REJECTED: "A state machine refused a command (HTTP 409); `errorCode` is the machine's own code and nothing was applied.",
  ERR_STREAMERSON_VERSION_CONFLICT: "A command's `expectedVersion` is not the key's current version (HTTP 409); nothing was applied.",
  ERR_STREAMERSON_NO_WRITER: "No writer holds the shard of the command's key (HTTP 503); the command was not applied.",
  ERR_STREAMERSON_INTERNAL: 'An unexpected failure inside Streamerson itself (a gateway answers 500 with it); the details stay in its logs.',
  ERR_STREAMERSON_REPLAY_DIVERGED:
    'A processor replayed from its controller log made other outputs (or dead letters) than the record; the report names the first differing input.',
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every Streamerson error. */
export class StreamersonError extends Error {
  override readonly name: string = 'StreamersonError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A bad option or option value; `option` names it (for example `retention.maxLen`). */
export class InvalidOptionError extends StreamersonError {
  override readonly name = 'InvalidOptionError';
  readonly option: string;

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_INVALID_OPTION', `invalid option "${option}": ${message}`, options);
    this.option = option;
  }
}

/** A URL that cannot be parsed or has an unknown scheme. */
export class InvalidUrlError extends StreamersonError {
  override readonly name = 'InvalidUrlError';
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_INVALID_URL', `invalid engine URL "${redactUrl(url)}": ${message}`, options);
    this.url = redactUrl(url);
  }
}

/** An error answered by the engine, or a lost connection. */
export class EngineError extends StreamersonError {
  override readonly name = 'EngineError';
}

/** Operation on a closed or destroyed object. */
export class ClosedError extends StreamersonError {
  override readonly name = 'ClosedError';

  /** `options.cause`: what brought the object down, when it went down on an error. */
  constructor(what: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_CLOSED', `${what} is closed`, options);
  }
}

/** Operation cancelled through an AbortSignal; `cause` is the signal's reason. */
export class AbortError extends StreamersonError {
  override readonly name = 'AbortError';

  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_ABORTED', message, options);
  }
}

/** An operation that ran past its deadline. */
export class TimeoutError extends StreamersonError {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;
  /** The id of the request that timed out, when the error is about one. */
  readonly messageId: string | undefined;

  constructor(message: string, timeoutMs: number, messageId?: string) {
    super('ERR_STREAMERSON_TIMEOUT', message);
    this.timeoutMs = timeoutMs;
    this.messageId = messageId;
  }
}

/** Replaces the password of a URL with `***` so that errors and logs never carry it. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

/**
 * A stream entry that does not follow the wire protocol (written by another
 * program, a newer version, bad headers JSON, an undecodable payload). Decoders
 * return it instead of throwing, so that read loops never break on bad input;
 * `raw` is the entry exactly as read and `stream` where it was read.
 */
export class ProtocolError extends StreamersonError {
  override readonly name = 'ProtocolError';
  readonly stream: string;
  readonly raw: RawEntry;

  constructor(
    code: 'ERR_STREAMERSON_BAD_ENTRY' | 'ERR_STREAMERSON_UNSUPPORTED_VERSION' | 'ERR_STREAMERSON_BAD_PAYLOAD',
    message: string,
    stream: string,
    raw: RawEntry,
    options?: { cause?: unknown },
  ) {
    super(code, `${message} (stream "${stream}", entry ${raw.id})`, options);
    this.stream = stream;
    this.raw = raw;
  }
}
