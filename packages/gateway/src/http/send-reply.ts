/** Sends a worker's reply payload as the HTTP answer. */
import type { FastifyReply } from 'fastify';
import { isHttpReply } from '../envelope.js';

/** Headers a worker cannot set: they describe the connection and framing, which belong to the gateway. */
const HOP_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade']);

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const BINARY_TYPE = 'application/octet-stream';

/**
 * An {@link HttpReply} sets status, headers and body; any other payload is a
 * 200 with that payload as JSON (bytes as `application/octet-stream`).
 */
export function sendReply(reply: FastifyReply, payload: unknown): FastifyReply {
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
