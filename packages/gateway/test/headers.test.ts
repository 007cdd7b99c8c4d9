/**
 * What the gateway puts on the messages it writes for a caller, over real
 * sockets: the W3C trace context (HTTP routes both ways, one-way routes,
 * WebSocket requests, publishes and route requests), and the HTTP
 * Idempotency-Key scoped to the route and the caller's identity.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { decodeEntry, MemoryEngine, type Headers, type Message } from '@streamerson/core';
import { Service, type HandlerContext } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName } from './helpers.js';
import { TestSocket } from './ws-client.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const engine = new MemoryEngine();
const rpc = topicName('hdr');
const events = topicName('hdr-events');
const seen: Headers[] = [];
let effects = 0;
let svc: Service;
let app: FastifyInstance;
let base: string;
let wsUrl: string;

before(async () => {
  svc = new Service(engine, { topic: rpc, name: 'svc', blockMs: 200, idempotencyTtlMs: 60_000 });
  svc.handle('look', (_p: unknown, ctx: HandlerContext) => {
    seen.push(ctx.headers);
    return 'ok';
  });
  svc.handle('charge', () => ({ charge: ++effects }));
  await svc.start();
  app = await gatewayApp({ engine, authorize: () => true, identity: (request) => String(request.headers['x-user'] ?? 'anonymous') }, (a) => {
    a.streamerson.route({ method: 'GET', url: '/look', topic: rpc, type: 'look' });
    a.streamerson.route({ method: 'POST', url: '/charge', topic: rpc, type: 'charge' });
    a.streamerson.route({ method: 'POST', url: '/charge-again', topic: rpc, type: 'charge' });
    a.streamerson.route({ method: 'POST', url: '/event', topic: events, type: 'evt', oneWay: true });
  });
  base = await listen(app);
  wsUrl = `${base.replace('http', 'ws')}/ws`;
});
after(async () => {
  await app.close();
  await svc.close();
  await engine.close();
});

async function lastMessage(topic: string): Promise<Message> {
  const [entry] = await engine.revRange(topic, '+', '-', 1);
  const msg = decodeEntry(topic, entry!);
  if (!('headers' in msg)) throw msg;
  return msg;
}

describe('trace context', () => {
  it('an HTTP request’s traceparent and tracestate reach the worker and come back on the answer', async () => {
    const res = await fetch(`${base}/look`, { headers: { traceparent: TRACEPARENT, tracestate: 'vendor=1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('traceparent'), TRACEPARENT);
    assert.equal(res.headers.get('tracestate'), 'vendor=1');
    assert.equal(seen.at(-1)!['traceparent'], TRACEPARENT);
    assert.equal(seen.at(-1)!['tracestate'], 'vendor=1');
  });

  it('an invalid traceparent is ignored, as W3C Trace Context says', async () => {
    const res = await fetch(`${base}/look`, { headers: { traceparent: 'not-a-trace' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('traceparent'), null);
    assert.equal(seen.at(-1)!['traceparent'], undefined);
  });

  it('one-way routes carry it into the published message and answer with it', async () => {
    const res = await fetch(`${base}/event`, { method: 'POST', headers: { traceparent: TRACEPARENT, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('traceparent'), TRACEPARENT);
    assert.equal((await lastMessage(events)).headers['traceparent'], TRACEPARENT);
  });

  it('WebSocket requests, publishes and route requests carry the frame’s trace context', async () => {
    const s = await TestSocket.open(wsUrl);
    assert.equal((await s.call({ op: 'request', id: 1, topic: rpc, type: 'look', traceparent: TRACEPARENT, tracestate: 'ws=1' }))['payload'], 'ok');
    assert.deepEqual([seen.at(-1)!['traceparent'], seen.at(-1)!['tracestate']], [TRACEPARENT, 'ws=1']);
    await s.call({ op: 'publish', id: 2, topic: events, type: 'evt', payload: 1, traceparent: TRACEPARENT });
    assert.equal((await lastMessage(events)).headers['traceparent'], TRACEPARENT);
    const routed = await s.call({ op: 'request', id: 3, route: 'GET /look', traceparent: TRACEPARENT });
    assert.equal(routed['status'], 200);
    assert.equal(routed['headers']['traceparent'], TRACEPARENT);
    assert.equal(seen.at(-1)!['traceparent'], TRACEPARENT);
    s.close();
  });
});

describe('Idempotency-Key', () => {
  const charge = (path: string, key: string, user = 'ann'): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'idempotency-key': key, 'x-user': user, 'content-type': 'application/json' }, body: '{}' });

  it('two POSTs with the same key run the effect once and get the same answer', async () => {
    const before = effects;
    const first = await (await charge('/charge', 'order-1')).json();
    const second = await (await charge('/charge', 'order-1')).json();
    assert.deepEqual(second, first);
    assert.equal(effects, before + 1);
  });

  it('the key is scoped to the caller’s identity and to the route', async () => {
    const before = effects;
    await charge('/charge', 'order-2', 'ann');
    await charge('/charge', 'order-2', 'bob');
    await charge('/charge-again', 'order-2', 'ann');
    assert.equal(effects, before + 3);
  });

  it('a route request over a WebSocket uses the socket’s identity', async () => {
    const s = await TestSocket.open(wsUrl, { headers: { 'x-user': 'cid' } });
    const before = effects;
    const a = await s.call({ op: 'request', id: 1, route: 'POST /charge', body: {}, idempotencyKey: 'ws-1' });
    const b = await s.call({ op: 'request', id: 2, route: 'POST /charge', body: {}, idempotencyKey: 'ws-1' });
    assert.deepEqual(a['payload'], b['payload']);
    // The same key over HTTP by the same identity is the same request.
    assert.deepEqual(await (await charge('/charge', 'ws-1', 'cid')).json(), a['payload']);
    await waitFor(() => effects === before + 1);
    s.close();
  });

  it('a key that is not 1-255 visible ASCII characters is a 400', async () => {
    const res = await charge('/charge', 'x'.repeat(256));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_BAD_REQUEST');
  });
});
