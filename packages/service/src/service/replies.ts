/**
 * Reply entries as docs/PROTOCOL.md §4 defines them: `i` of the request, no
 * `r`; a success has no `status` header (read as `200`), an error has headers
 * `status` and `error` with a JSON payload `{code, message, details?}`. Trace
 * context is copied. Every field left empty is not written at all.
 */
import {
  encodeMessage,
  ERROR_HEADER,
  STATUS_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type AppendItem,
  type ErrorReplyPayload,
  type Message,
} from '@streamerson/core';

/** Reply headers; none for a success without trace context. */
function replyHeaders(request: Message, status?: number, errorCode?: string): Record<string, string> | undefined {
  const traceparent = request.headers[TRACEPARENT_HEADER];
  const tracestate = request.headers[TRACESTATE_HEADER];
  if (status === undefined && traceparent === undefined && tracestate === undefined) return undefined;
  const headers: Record<string, string> = {};
  if (status !== undefined) headers[STATUS_HEADER] = String(status);
  if (errorCode !== undefined) headers[ERROR_HEADER] = errorCode;
  if (traceparent !== undefined) headers[TRACEPARENT_HEADER] = traceparent;
  if (tracestate !== undefined) headers[TRACESTATE_HEADER] = tracestate;
  return headers;
}

/**
 * Replies go with `noMkStream`: a requester that is gone has deleted its reply
 * stream, and a late reply must not create it again.
 */
export function successReply(request: Message, payload: unknown, source: string): AppendItem {
  return {
    stream: request.replyTo,
    noMkStream: true,
    fields: encodeMessage({ id: request.id, headers: replyHeaders(request), payload: payload === undefined ? null : payload, source }),
  };
}

/** An error reply with `status` (>= 400) and the error `code`. */
export function errorReply(request: Message, status: number, error: ErrorReplyPayload, source: string): AppendItem {
  const payload: ErrorReplyPayload =
    error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details };
  return {
    stream: request.replyTo,
    noMkStream: true,
    fields: encodeMessage({ id: request.id, headers: replyHeaders(request, status, error.code), contentType: 'json', payload, source }),
  };
}

/** {@link errorReply}, without the details when they cannot be encoded (a cycle, a bigint). */
export function safeErrorReply(request: Message, status: number, error: ErrorReplyPayload, source: string): AppendItem {
  try {
    return errorReply(request, status, error, source);
  } catch {
    return errorReply(request, status, { code: error.code, message: error.message }, source);
  }
}
