import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { Client, type Service } from '@streamerson/service';
import { startRedis, waitFor, type RedisServer } from '@streamerson/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { streamersonGateway, type HttpRequest } from '../src/index.js';
import { capturedLogger, gatewayApp, listen, topicName, worker } from './helpers.js';
import { SseReader } from './sse-client.js';
import { TestSocket } from './ws-client.js';

let redis: RedisServer;
const engines: Engine[] = [];
const open = async (): Promise<Engine> => {
  const e = await connect(redis.url, { redis: { maxRetriesPerRequest: 1 } });
  engines.push(e);
  return e;
};

before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const e of engines) e.destroy();
  await redis.stop();
});

describe('gateway on a real Redis', () => {
  it('several gateways and several workers, each gateway gets only its own replies', async () => {
    const topic = topicName('orders');
    const workers: Service[] = [];
    for (let i = 0; i < 3; i++) {
      workers.push(
        await worker(await open(), topic, { get: (req: HttpRequest) => ({ id: req.params['id'], gw: req.headers['x-gw'], worker: i }) }, { name: 'orders' }),
      );
    }
    const gateways: FastifyInstance[] = [];
    const bases: string[] = [];
    for (let g = 0; g < 3; g++) {
      const app = await gatewayApp({ engine: await open(), forwardHeaders: ['x-gw'] }, (a) => {
        a.streamerson.route({ method: 'GET', url: '/orders/:id', topic, type: 'get' });
      });
      gateways.push(app);
      bases.push(await listen(app));
    }
    try {
      const results = await Promise.all(
        bases.flatMap((base, g) =>
          Array.from({ length: 60 }, async (_, n) => {
            const res = await fetch(`${base}/orders/${g}-${n}`, { headers: { 'x-gw': String(g) } });
            assert.equal(res.status, 200);
            const body = (await res.json()) as { id: string; gw: string; worker: number };
            assert.equal(body.id, `${g}-${n}`);
            assert.equal(body.gw, String(g));
            return body.worker;
          }),
        ),
      );
      assert.equal(results.length, 180);
      assert.ok(new Set(results).size >= 2, 'requests were spread over several workers');
      for (const app of gateways) {
        const stats = app.streamerson.client.stats();
        assert.equal(stats.replies, 60);
        assert.equal(stats.unknownReplies, 0, 'no gateway read another gateway’s reply');
      }
    } finally {
      await Promise.all(gateways.map((a) => a.close()));
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('WebSocket and SSE subscriptions with resume on Redis', async () => {
    const engine = await open();
    const app = await gatewayApp({ engine, authorize: () => true });
    const base = await listen(app);
    const topic = topicName('feed');
    const publisher = new Client(await open());
    try {
      const first = await publisher.publish(topic, 'n', 0);
      const s = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
      await s.call({ op: 'subscribe', id: 1, topic, from: first });
      const sse = await SseReader.open(`${base}/events/${topic}`, { 'last-event-id': first });
      await waitFor(() => app.streamerson.stats().subscriptions === 2);
      const more = [];
      for (let i = 1; i <= 5; i++) more.push(await publisher.publish(topic, 'n', i));
      await waitFor(() => s.events(topic).length === 5 && sse.events.length === 5);
      assert.deepEqual(
        s.events(topic).map((e) => e['id']),
        more,
      );
      assert.deepEqual(
        sse.events.map((e) => e.id),
        more,
      );
      // A new topic restarts the shared read; the first keeps flowing.
      const other = topicName('feed2');
      await s.call({ op: 'subscribe', id: 2, topic: other });
      await publisher.publish(other, 'n', 'o');
      more.push(await publisher.publish(topic, 'n', 6));
      await waitFor(() => s.events(other).length === 1 && s.events(topic).length === 6 && sse.events.length === 6);
      s.close();
      sse.close();
    } finally {
      await publisher.close();
      await app.close();
    }
  });

  it('appends the replicas did not confirm: a fire-and-forget route answers 503 ERR_STREAMERSON_NOT_REPLICATED, a request its reply', async () => {
    // A replica syncs at once, not after the default 5 s wait for others.
    const primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    try {
      await waitFor(async () => /master_link_status:up/.test(String(await replica.command('INFO', 'replication'))), { what: 'the replica to sync' });
      const engine = await connect(primary.url, { redis: { replicas: 1, replicaTimeoutMs: 20 } });
      engines.push(engine);
      const topic = topicName('unconfirmed');
      const svc = await worker(engine, topic, { get: (req: HttpRequest) => ({ id: req.params['id'] }) });
      const app = await gatewayApp({ engine }, (a) => {
        a.streamerson.route({ method: 'GET', url: '/items/:id', topic, type: 'get' });
        a.streamerson.route({ method: 'POST', url: '/events', topic, type: 'evt', oneWay: true });
      });
      try {
        const base = await listen(app);
        // From now on no replica confirms: every append reaches the primary, then is refused.
        await replica.command('REPLICAOF', 'NO', 'ONE');
        const event = await fetch(`${base}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(event.status, 503);
        assert.equal(((await event.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_NOT_REPLICATED');
        assert.equal(event.headers.get('retry-after'), null, 'it may still be delivered: no invitation to send it again');
        const reply = await fetch(`${base}/items/7`);
        assert.equal(reply.status, 200);
        assert.deepEqual(await reply.json(), { id: '7' });
      } finally {
        await app.close();
        await svc.close();
      }
    } finally {
      await Promise.all([primary.stop(), replica.stop()]);
    }
  });

  it('a gateway whose registry announcement no replica confirms starts, logs it and serves', async () => {
    // One confirmation asked of a Redis without replicas: every append reaches the primary, then is refused.
    const engine = await connect(redis.url, { redis: { replicas: 1, replicaTimeoutMs: 20 } });
    engines.push(engine);
    const topic = topicName('unannounced');
    const svc = await worker(await open(), topic, { get: () => 'served' });
    const { lines, logger } = capturedLogger();
    const app = Fastify({ logger });
    try {
      await app.register(streamersonGateway, { engine });
      app.streamerson.route({ method: 'GET', url: '/get', topic, type: 'get' });
      const base = await listen(app);
      const res = await fetch(`${base}/get`);
      assert.equal(res.status, 200);
      assert.equal(await res.json(), 'served');
      const logged = lines.find((l) => l['msg'] === 'gateway: announcing to the registry failed');
      assert.equal((logged?.['err'] as { code?: string } | undefined)?.code, 'ERR_STREAMERSON_NOT_REPLICATED', JSON.stringify(lines));
    } finally {
      await app.close();
      await svc.close();
    }
  });

  it('engine down: 503 ERR_STREAMERSON_UNAVAILABLE with Retry-After', async () => {
    const own = await startRedis();
    const engine = await connect(own.url, { redis: { maxRetriesPerRequest: 0 } });
    const topic = topicName('flaky');
    const svc = await worker(engine, topic, { ping: () => 'pong' });
    const app = await gatewayApp({ engine, timeout: 3_000 }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/ping', topic, type: 'ping' });
    });
    try {
      assert.equal((await app.inject('/ping')).statusCode, 200);
      own.kill('SIGKILL');
      await waitFor(() => engine.stats().connected === false, { what: 'the engine to see its connection gone' });
      const res = await app.inject('/ping');
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'ERR_STREAMERSON_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '1');
    } finally {
      // Gateway and worker close while their server is gone: neither may wait for it.
      await app.close();
      await svc.close();
      engine.destroy();
      await own.stop();
    }
  });
});
