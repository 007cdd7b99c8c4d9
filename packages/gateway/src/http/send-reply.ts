/** Sends a worker's reply as the HTTP answer. */
import type { Reply } from '@streamerson/service';
import type { FastifyReply } from 'fastify';
import { isHttpReply } from '../envelope.js';

/** Headers a worker cannot set: they describe the connection and framing, which belong to the gateway. */
const HOP_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade']);

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const BINARY_TYPE = 'application/octet-stream';

/**
 * A worker's reply: a JSON payload that is not an {@link HttpReply} goes out
 * as the text the worker wrote — the same JSON value, not parsed and
 * stringified again (the client has parsed it: bytes that are not JSON fail
 * the request as before). Text, not the bytes: the application's `onSend`
 * hooks get a JSON answer as a string, as they always have. Any other payload
 * as {@link sendPayload} sends it.
 */
export function sendReply(reply: FastifyReply, r: Reply): FastifyReply {
  if (r.contentType === 'json' && !isHttpReply(r.payload)) return reply.type(JSON_TYPE).send(r.bytes.toString('utf8'));
  return sendPayload(reply, r.payload);
}

/**
 * An {@link HttpReply} sets status, headers and body; any other payload is a
 * 200 with that payload as JSON (bytes as `application/octet-stream`).
 */
export function sendPayload(reply: FastifyReply, payload: unknown): FastifyReply {
  if (!isHttpReply(payload)) {
    if (payload instanceof Uint8Array) return reply.type(BINARY_TYPE).send(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    return reply.type(JSON_TYPE).send(JSON.stringify(payload ?? null));
  }
  reply.code(payload.status);
  let typed = false;
  if (payload.headers !== undefined) {
    for (const name of Object.keys(payload.headers)) {
      const lower = name.toLowerCase();
      if (HOP_HEADERS.has(lower)) continue;
      if (lower === 'content-type') typed = true;
      reply.header(lower, payload.headers[name]);
    }
  }
  if (payload.bodyBase64 !== undefined) {
    if (!typed) reply.type(BINARY_TYPE);
    return reply.send(Buffer.from(payload.bodyBase64, 'base64'));
  }
  const body = payload.body;
  if (body === undefined) return reply.send();
  if (typeof body === 'string') {
    if (!typed) reply.type(TEXT_TYPE);
    return reply.send(body);
  }
  if (!typed) reply.type(JSON_TYPE);
  return reply.send(JSON.stringify(body));
}
