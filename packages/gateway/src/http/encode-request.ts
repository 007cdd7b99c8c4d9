/**
 * The `HttpRequest` payload (envelope.ts) of a request message, written as JSON text
 * straight from the Fastify request: the text `JSON.stringify` would write for
 * the envelope object, without building that object first (the object and the
 * walk over it cost more than the parts that change per request).
 */
import { JsonText, encodeJson, jsonString } from '@streamerson/core/internal';
import type { FastifyRequest } from 'fastify';

/** JSON of an object, `{}` written without a call when it has no properties. */
function objectJson(value: object): string {
  for (const _ in value) return encodeJson(value);
  return '{}';
}

/** What a route's envelopes share: made once per route. */
export interface RequestEncoder {
  /**
   * The envelope of one request, with `authJson` as its `auth`: the JSON text
   * of `request.auth` that the message's `auth` header carries already, so
   * that it is encoded once (null without one). Throws
   * `ERR_STREAMERSON_BAD_PAYLOAD` for a body that JSON cannot carry.
   */
  encode(request: FastifyRequest, authJson: string | undefined): JsonText;
}

/**
 * Encoder of the envelopes of a route: `method` and `route` (its pattern) as
 * registered, `forward` the allowlisted headers (lower-case names); a repeated
 * header is joined with ", " as HTTP allows.
 */
export function requestEncoder(method: string, route: string, forward: readonly string[]): RequestEncoder {
  const methodJson = jsonString(method);
  const routeJson = jsonString(route);
  const names = [...forward];
  const namesJson = names.map(jsonString);

  function headersJson(request: FastifyRequest): string {
    let text = '{';
    const raw = request.headers;
    for (let i = 0; i < names.length; i++) {
      const value = raw[names[i]!];
      if (value === undefined) continue;
      const one = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
      if (one !== undefined) text += `${text.length === 1 ? '' : ','}${namesJson[i]}:${jsonString(one)}`;
    }
    return `${text}}`;
  }

  return {
    encode(request, authJson) {
      const url = request.url;
      const q = url.indexOf('?');
      const urlJson = jsonString(url);
      const body = request.body;
      const binary = Buffer.isBuffer(body);
      const text =
        `{"method":${request.method === method ? methodJson : jsonString(request.method)},"url":${urlJson},` +
        `"path":${q === -1 ? urlJson : jsonString(url.slice(0, q))},"route":${routeJson},` +
        `"params":${objectJson(request.params as object)},"query":${objectJson(request.query as object)},` +
        `"headers":${headersJson(request)},"body":${binary || body === undefined || body === null ? 'null' : encodeJson(body)},` +
        `"auth":${authJson ?? 'null'}` +
        `${binary ? `,"bodyBase64":"${body.toString('base64')}"` : ''}}`;
      return new JsonText(text);
    },
  };
}
