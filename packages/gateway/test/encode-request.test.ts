import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamersonError } from '@streamerson/core';
import type { FastifyRequest } from 'fastify';
import { requestEncoder } from '../src/http/encode-request.js';
import type { HttpRequest } from '../src/envelope.js';

const FORWARD = ['accept', 'x-tenant', 'x-"quoted"'];

/** The envelope as an object, built field by field in the documented order: what the encoder's text must be the JSON of. */
function envelopeObject(r: FakeRequest, route: string): HttpRequest {
  const q = r.url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const name of FORWARD) {
    const value = r.headers[name];
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  const binary = Buffer.isBuffer(r.body);
  return {
    method: r.method,
    url: r.url,
    path: q === -1 ? r.url : r.url.slice(0, q),
    route,
    params: r.params,
    query: r.query,
    headers,
    body: binary ? null : (r.body ?? null),
    auth: r.auth ?? null,
    ...(binary ? { bodyBase64: (r.body as Buffer).toString('base64') } : {}),
  };
}

interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  auth?: unknown;
}

const text = fc.string({ unit: 'binary', maxLength: 16 });
const nullProto = (o: Record<string, unknown>): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, o);
const fakeRequest: fc.Arbitrary<FakeRequest> = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST'),
  url: fc.oneof(
    fc.constant('/a/b'),
    text.map((t) => `/x?${t}`),
    text.map((t) => `/${t}`),
  ),
  headers: fc.dictionary(fc.constantFrom(...FORWARD, 'cookie', 'host'), fc.oneof(text, fc.array(text, { maxLength: 3 }))),
  params: fc.dictionary(text, text, { maxKeys: 3 }),
  // Fastify's query objects have no prototype.
  query: fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 2 })), { maxKeys: 3 }).map(nullProto),
  body: fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.jsonValue(),
    text,
    fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)),
  ),
  auth: fc.oneof(fc.constant(undefined), fc.constant(null), fc.jsonValue()),
});

test('the encoded envelope is the JSON text of the envelope object, whatever the request', () => {
  const encoder = requestEncoder('GET', '/route/:id', FORWARD);
  fc.assert(
    fc.property(fakeRequest, (r) => {
      // The route hands over the auth header's text: the envelope carries the same JSON.
      const encoded = encoder.encode(r as unknown as FastifyRequest, r.auth === undefined || r.auth === null ? undefined : JSON.stringify(r.auth));
      assert.equal(encoded.text, JSON.stringify(envelopeObject(r, '/route/:id')));
    }),
    { numRuns: 2000 },
  );
});

test('a body that JSON cannot carry fails with ERR_STREAMERSON_BAD_PAYLOAD', () => {
  const encoder = requestEncoder('POST', '/e', []);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const base = { method: 'POST', url: '/e', headers: {}, params: {}, query: {} };
  for (const r of [
    { ...base, body: cyclic },
    { ...base, body: { n: 1n } },
  ]) {
    assert.throws(
      () => encoder.encode(r as unknown as FastifyRequest, undefined),
      (e: unknown) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_BAD_PAYLOAD' && /cannot encode payload as json/.test(e.message),
    );
  }
});
