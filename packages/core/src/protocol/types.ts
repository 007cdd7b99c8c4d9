/**
 * Messages as the wire protocol v1 defines them (see docs/PROTOCOL.md).
 */

/** How a payload is encoded in the `p` field. */
export type ContentType = 'json' | 'text' | 'binary' | 'msgpack';

/** Message headers: small string map (trace context, reply status, error code, deadline, …). */
export type Headers = Readonly<Record<string, string>>;

/** A message to write. Everything but `payload` is optional. */
export interface OutgoingMessage<P = unknown> {
  /** Message id (correlation and idempotency key). Empty/omitted: the stream entry id identifies the message. */
  readonly id?: string;
  /** Message type: which handler runs. Default `''`. */
  readonly type?: string;
  /** Stream the reply goes to; empty for one-way messages. */
  readonly replyTo?: string;
  readonly headers?: Headers;
  /** Default: `binary` for a Buffer/Uint8Array payload, `json` otherwise. */
  readonly contentType?: ContentType;
  /** Producer instance id. */
  readonly source?: string;
  readonly payload: P;
}

/** A decoded message. */
export interface Message<P = unknown> {
  /** Protocol version of the entry. */
  readonly version: number;
  /** Message id; the entry id when the producer left it empty. */
  readonly id: string;
  /** Stream the entry was read from. */
  readonly stream: string;
  /** Stream entry id (`<ms>-<seq>`): the time the engine accepted it and its order. */
  readonly entryId: string;
  readonly type: string;
  /** Reply stream, or `''` for one-way messages. */
  readonly replyTo: string;
  readonly headers: Headers;
  readonly contentType: ContentType;
  readonly source: string;
  readonly payload: P;
}

/**
 * Payload of an error reply (content type `json`, header `status` >= 400,
 * header `error` = `code`).
 */
export interface ErrorReplyPayload {
  /** Stable error code, the same as the `error` header. */
  readonly code: string;
  /** Human-readable message; safe to show to the caller. */
  readonly message: string;
  /** Optional structured details. */
  readonly details?: unknown;
}
