/**
 * The HTTP request/reply envelope (docs/GATEWAY.md): what a worker receives for
 * an HTTP route, and the reply it may return to choose status, headers and body.
 */

/** Marks a reply payload as an {@link HttpReply}; value {@link HTTP_ENVELOPE_VERSION}. */
export const HTTP_REPLY_MARKER = '$http';
/** Version of the envelope. */
export const HTTP_ENVELOPE_VERSION = 1;

/** The payload of a request message written for an HTTP route. */
export interface HttpRequest<Body = unknown, Auth = unknown> {
  readonly method: string;
  /** The request target as received: path and query string. */
  readonly url: string;
  /** The path without the query string. */
  readonly path: string;
  /** The route pattern, for example `/todos/:id`. */
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, unknown>>;
  /** Allowlisted request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, a string for `text/*`, null without a body, or null with `bodyBase64` for other types. */
  readonly body: Body | null;
  /** Base64 of a body that is neither JSON nor text. */
  readonly bodyBase64?: string;
  /** `request.auth` as the gateway's Fastify hooks set it; null when none did. */
  readonly auth: Auth | null;
}

/** A reply payload that chooses status, headers and body. Build it with {@link httpReply}. */
export interface HttpReply {
  readonly [HTTP_REPLY_MARKER]: typeof HTTP_ENVELOPE_VERSION;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON value (sent as JSON), or a string (sent as text unless `content-type` says otherwise). */
  readonly body?: unknown;
  /** Base64 of a binary body; sent as `application/octet-stream` unless `content-type` says otherwise. */
  readonly bodyBase64?: string;
}

/**
 * A reply with its own status and headers. A `Buffer`/`Uint8Array` body is
 * carried as base64 (replies are JSON) and sent as bytes.
 */
export function httpReply(status: number, body?: unknown, headers?: Readonly<Record<string, string>>): HttpReply {
  const base = headers === undefined ? { [HTTP_REPLY_MARKER]: HTTP_ENVELOPE_VERSION, status } : { [HTTP_REPLY_MARKER]: HTTP_ENVELOPE_VERSION, status, headers };
  if (body instanceof Uint8Array) return { ...base, bodyBase64: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64') } as HttpReply;
  return (body === undefined ? base : { ...base, body }) as HttpReply;
}

/** Whether a reply payload is an {@link HttpReply}. */
export function isHttpReply(payload: unknown): payload is HttpReply {
  return typeof payload === 'object' && payload !== null && (payload as Record<string, unknown>)[HTTP_REPLY_MARKER] === HTTP_ENVELOPE_VERSION;
}

/** The body of an {@link HttpRequest} as bytes: `bodyBase64` decoded, a string as UTF-8, JSON re-encoded, or empty. */
export function requestBodyBytes(request: HttpRequest): Buffer {
  if (request.bodyBase64 !== undefined) return Buffer.from(request.bodyBase64, 'base64');
  if (request.body === null) return Buffer.alloc(0);
  return Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
}
