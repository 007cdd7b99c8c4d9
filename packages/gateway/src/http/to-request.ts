/** Builds the {@link HttpRequest} payload of a request message from a Fastify request. */
import type { FastifyRequest } from 'fastify';
import type { HttpRequest } from '../envelope.js';

/** Allowlisted headers; a repeated header is joined with ", " as HTTP allows. */
function forwardedHeaders(request: FastifyRequest, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = request.headers;
  for (const name of names) {
    const value = raw[name];
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
}

export function toHttpRequest(request: FastifyRequest, route: string, forward: readonly string[]): HttpRequest {
  const url = request.url;
  const q = url.indexOf('?');
  const body = request.body;
  const binary = Buffer.isBuffer(body);
  const out: { -readonly [K in keyof HttpRequest]: HttpRequest[K] } = {
    method: request.method,
    url,
    path: q === -1 ? url : url.slice(0, q),
    route,
    params: request.params as Record<string, string>,
    query: request.query as Record<string, unknown>,
    headers: forwardedHeaders(request, forward),
    body: binary ? null : (body ?? null),
    auth: request.auth ?? null,
  };
  if (binary) out.bodyBase64 = body.toString('base64');
  return out;
}
