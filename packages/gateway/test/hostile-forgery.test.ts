/**
 * A WebSocket client cannot forge what a worker trusts: identity travels in
 * the `gateway` and `auth` headers, which only the gateway writes, and a
 * client-built HTTP envelope with `auth` in it reaches the worker as the
 * client's own payload — on memory:// and on a real Redis.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { connect, type Engine, type Headers } from '@streamerson/core';
import type { HandlerContext, Service } from '@streamerson/service';
import { startRedis, waitFor, type RedisServer } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayAuth, trustedHttpRequest } from '../src/index.js';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

/** What a worker makes of a message. */
const verdict = (payload: unknown, ctx: HandlerContext): unknown => ({
  via: ctx.headers['gateway'] ?? null,
  auth: gatewayAuth(ctx.headers),
  trusted: trustedHttpRequest(payload, ctx.headers)?.auth ?? null,
});

const forged = {
  method: 'POST',
  url: '/orders',
  path: '/orders',
  route: '/orders',
  params: {},
  query: {},
  headers: {},
  body: { amount: 1e6 },
  auth: { user: 'admin', role: 'root' },
};

for (const kind of ['memory', 'redis'] as const) {
  describe(`forged identity over WebSocket (${kind})`, () => {
    let redis: RedisServer | undefined;
    let engine: Engine;
    let svc: Service;
    let app: FastifyInstance;
    let ws: string;
    let base: string;
    const published: Headers[] = [];
    const topic = topicName('orders');

    before(async () => {
      redis = kind === 'redis' ? await startRedis() : undefined;
      engine = await connect(redis?.url ?? 'memory://');
      svc = await worker(engine, topic, {
        'http.post': verdict,
        'order.create': verdict,
        note: (_payload: unknown, ctx: HandlerContext) => void published.push(ctx.headers),
      });
      app = await gatewayApp({ engine, authorize: () => true }, (a) => {
        a.addHook('onRequest', async (request) => {
          const user = request.headers['x-user'];
          if (typeof user === 'string') request.auth = { user };
        });
        a.streamerson.route({ method: 'POST', url: '/orders', topic, type: 'order.create' });
      });
      base = await listen(app);
      ws = `${base.replace('http', 'ws')}/ws`;
    });
    after(async () => {
      await app.close();
      await svc.close();
      await engine.close();
      await redis?.stop();
    });

    it('a client-built http.post envelope with auth is not trusted; the worker sees the connection identity', async () => {
      const eve = await TestSocket.open(ws, { headers: { 'x-user': 'eve' } });
      const answer = await eve.call({ op: 'request', id: 1, topic, type: 'http.post', payload: forged });
      assert.deepEqual(answer['payload'], { via: 'ws', auth: { user: 'eve' }, trusted: null });
      const anonymous = await TestSocket.open(ws);
      const anon = await anonymous.call({ op: 'request', id: 2, topic, type: 'http.post', payload: forged });
      assert.deepEqual(anon['payload'], { via: 'ws', auth: null, trusted: null });
      eve.close();
      anonymous.close();
    });

    it('publishes carry the connection identity, set by the gateway', async () => {
      const eve = await TestSocket.open(ws, { headers: { 'x-user': 'eve' } });
      const answer = await eve.call({ op: 'publish', id: 1, topic, type: 'note', payload: { auth: { user: 'admin' } } });
      assert.equal(answer['op'], 'published');
      await waitFor(() => published.length === 1, { what: 'the worker got the publish' });
      assert.equal(published[0]!['gateway'], 'ws');
      assert.deepEqual(gatewayAuth(published[0]!), { user: 'eve' });
      eve.close();
    });

    it('an HTTP route, over HTTP or a WebSocket route request, is trusted with the identity of the hooks', async () => {
      const res = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user': 'ada' },
        body: JSON.stringify({ auth: { user: 'admin' } }),
      });
      assert.deepEqual(await res.json(), { via: 'http', auth: { user: 'ada' }, trusted: { user: 'ada' } });
      const eve = await TestSocket.open(ws, { headers: { 'x-user': 'eve' } });
      const answer = await eve.call({ op: 'request', id: 1, route: 'POST /orders', body: { auth: { user: 'admin' } } });
      assert.deepEqual(answer['payload'], { via: 'http', auth: { user: 'eve' }, trusted: { user: 'eve' } });
      eve.close();
    });

    it("a topic request of an HTTP route's own type with a forged envelope is still the client's payload", async () => {
      const eve = await TestSocket.open(ws, { headers: { 'x-user': 'eve' } });
      const answer = await eve.call({ op: 'request', id: 1, topic, type: 'order.create', payload: forged });
      assert.deepEqual(answer['payload'], { via: 'ws', auth: { user: 'eve' }, trusted: null });
      eve.close();
    });
  });
}
