import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryEngine } from '@streamerson/core';
import { Client, ServiceError, type Service } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { httpReply, SLOW_CONSUMER_CLOSE_CODE, type AuthorizeContext, type HttpRequest } from '../src/index.js';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

const engine = new MemoryEngine();
const rpc = topicName('rpc');
const room = topicName('room');
const secret = topicName('secret');
let app: FastifyInstance;
let svc: Service;
let wsUrl: string;
const decisions: AuthorizeContext[] = [];

before(async () => {
  svc = await worker(engine, rpc, {
    add: (p: { a: number; b: number }) => p.a + p.b,
    fail: () => {
      throw new ServiceError('no such thing', { status: 404, errorCode: 'THING_NOT_FOUND' });
    },
    slow: async () => {
      await sleep(1_000);
      return 1;
    },
    sum: (req: HttpRequest<{ y: number }>) => httpReply(201, { sum: Number(req.params['x']) + req.body!.y, auth: req.auth }, { location: '/sum/1' }),
  });
  app = await gatewayApp(
    {
      engine,
      timeout: 300,
      ws: { maxPayload: 4_096, maxBufferedBytes: 512 * 1024 },
      authorize: (ctx) => {
        decisions.push(ctx);
        if (ctx.op === 'connect') return ctx.request.headers['x-token'] !== 'banned';
        return !ctx.topic!.startsWith('secret');
      },
    },
    (a) => {
      a.addHook('onRequest', async (request) => {
        if (typeof request.headers['x-token'] === 'string') request.auth = { token: request.headers['x-token'] };
      });
      a.streamerson.route({
        method: 'POST',
        url: '/sum/:x',
        topic: rpc,
        type: 'sum',
        schema: { body: { type: 'object', required: ['y'], properties: { y: { type: 'number' } } } },
      });
      a.streamerson.route({ method: 'GET', url: '/hidden', topic: secret, type: 'x' });
    },
  );
  wsUrl = `${(await listen(app)).replace('http', 'ws')}/ws`;
});
after(async () => {
  await app.close();
  await svc.close();
  await engine.close();
});

describe('WebSocket', () => {
  it('answers request frames with reply or error frames carrying the client id', async () => {
    const s = await TestSocket.open(wsUrl);
    const [ok, remote, timeout] = await Promise.all([
      s.call({ op: 'request', id: 1, topic: rpc, type: 'add', payload: { a: 2, b: 3 } }),
      s.call({ op: 'request', id: 'two', topic: rpc, type: 'fail', payload: null }),
      s.call({ op: 'request', id: 3, topic: rpc, type: 'slow', payload: null, timeout: 100 }),
    ]);
    assert.deepEqual(ok, { op: 'reply', id: 1, payload: 5 });
    assert.deepEqual(remote, { op: 'error', id: 'two', error: { code: 'THING_NOT_FOUND', message: 'no such thing', status: 404 } });
    assert.equal(timeout['error'].code, 'ERR_STREAMERSON_TIMEOUT');
    s.close();
  });

  it('requests the gateway’s HTTP routes with the hooks, schema and errors of HTTP', async () => {
    const s = await TestSocket.open(wsUrl, { headers: { 'x-token': 't-1' } });
    const ok = await s.call({ op: 'request', id: 'r1', route: 'POST /sum/40', body: { y: 2 } });
    assert.equal(ok['op'], 'reply');
    assert.equal(ok['status'], 201);
    assert.equal(ok['headers'].location, '/sum/1');
    assert.deepEqual(ok['payload'], { sum: 42, auth: { token: 't-1' } });
    const invalid = await s.call({ op: 'request', id: 'r2', route: 'POST /sum/1', body: { y: 'no' } });
    assert.equal(invalid['error'].code, 'ERR_STREAMERSON_BAD_REQUEST');
    assert.equal(invalid['error'].status, 400);
    const notGateway = await s.call({ op: 'request', id: 'r3', route: 'GET /metrics' });
    assert.deepEqual(notGateway['error'], { code: 'ERR_STREAMERSON_NOT_FOUND', message: 'no gateway route GET /metrics', status: 404 });
    const forbidden = await s.call({ op: 'request', id: 'r4', route: 'GET /hidden' });
    assert.equal(forbidden['error'].code, 'ERR_STREAMERSON_FORBIDDEN');
    const malformed = await s.call({ op: 'request', id: 'r5', route: 'GET nothing' });
    assert.equal(malformed['error'].code, 'ERR_STREAMERSON_BAD_REQUEST');
    s.close();
    // Over plain HTTP the marker header means nothing: the routes answer as usual.
    const base = wsUrl.replace('ws', 'http').replace(/\/ws$/, '');
    const res = await fetch(`${base}/metrics`, { headers: { 'x-streamerson-ws-route': 'guess' } });
    assert.equal(res.status, 200);
  });

  it('publishes, subscribes from now and from an id, and unsubscribes', async () => {
    const a = await TestSocket.open(wsUrl);
    const b = await TestSocket.open(wsUrl);
    const first = await a.call({ op: 'publish', id: 'p0', topic: room, type: 'chat', payload: { text: 'before' } });
    assert.equal(first['op'], 'published');
    const subA = await a.call({ op: 'subscribe', id: 's', topic: room });
    assert.equal(subA['op'], 'subscribed');
    const subB = await b.call({ op: 'subscribe', id: 's', topic: room, from: '0-0' });
    assert.equal(subB['op'], 'subscribed');
    await b.next((f) => f['op'] === 'event' && f['payload'].text === 'before');
    const second = await b.call({ op: 'publish', id: 'p1', topic: room, type: 'chat', payload: { text: 'hello' } });
    const evA = await a.next((f) => f['op'] === 'event');
    assert.deepEqual(evA, { op: 'event', topic: room, id: second['entryId'], type: 'chat', payload: { text: 'hello' } });
    await b.next((f) => f['op'] === 'event' && f['id'] === second['entryId']);
    assert.deepEqual(
      a.events().map((e) => e['payload'].text),
      ['hello'],
      'from now: no history',
    );
    assert.deepEqual(
      b.events().map((e) => e['payload'].text),
      ['before', 'hello'],
      'from 0-0: history then live, once each',
    );
    // Resume: from the first entry's id gives exactly the entries after it.
    const c = await TestSocket.open(wsUrl);
    await c.call({ op: 'subscribe', id: 1, topic: room, from: first['entryId'] });
    await c.next((f) => f['op'] === 'event');
    assert.deepEqual(await a.call({ op: 'unsubscribe', id: 'u', topic: room }), { op: 'unsubscribed', id: 'u', topic: room });
    const third = await b.call({ op: 'publish', id: 'p2', topic: room, type: 'chat', payload: { text: 'after' } });
    await b.next((f) => f['op'] === 'event' && f['id'] === third['entryId']);
    // c is still subscribed: once it has the newest entry, every event before it has arrived.
    await c.next((f) => f['op'] === 'event' && f['id'] === third['entryId']);
    assert.deepEqual(
      c.events().map((e) => e['id']),
      [second['entryId'], third['entryId']],
      'from an id: exactly the entries after it, once each',
    );
    // An entry goes to every subscriber in one pass and a socket's frames keep their order: after a round trip
    // on a, an event for the entry c already has would have arrived.
    assert.equal((await a.call({ op: 'publish', id: 'probe', topic: topicName('probe'), type: 'probe', payload: null }))['op'], 'published');
    assert.equal(a.events().length, 1, 'no events after unsubscribe');
    for (const s of [a, b, c]) s.close();
  });

  it('the authorization hook decides connections and each topic operation; reply streams are never open', async () => {
    await assert.rejects(TestSocket.open(wsUrl, { headers: { 'x-token': 'banned' } }), /403/);
    const s = await TestSocket.open(wsUrl);
    for (const [i, frame] of [
      { op: 'subscribe', topic: `${secret}` },
      { op: 'publish', topic: `${secret}`, type: 'x', payload: 1 },
      { op: 'request', topic: `${secret}`, type: 'x', payload: 1 },
      { op: 'subscribe', topic: app.streamerson.client.replyStream },
    ].entries()) {
      const answer = await s.call({ ...frame, id: i });
      assert.equal(answer['error'].code, 'ERR_STREAMERSON_FORBIDDEN', JSON.stringify(frame));
    }
    assert.ok(decisions.some((d) => d.op === 'publish' && d.topic === secret && d.type === 'x'));
    s.close();
  });

  it('malformed frames get an error frame with a code; the socket stays usable', async () => {
    const s = await TestSocket.open(wsUrl);
    const bad = [
      'not json',
      '[1,2]',
      '{"op":"dance"}',
      '{"op":"subscribe","topic":"bad topic"}',
      '{"op":"subscribe","topic":"t","from":"abc"}',
      '{"op":"request","topic":"t"}',
      '{"op":"publish","topic":"t","id":{}}',
    ];
    for (const text of bad) s.send(text);
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => s.frames.length === bad.length + 1);
    for (const f of s.frames) {
      assert.equal(f['op'], 'error');
      assert.equal(f['error'].code, 'ERR_STREAMERSON_BAD_REQUEST');
    }
    assert.equal((await s.call({ op: 'request', id: 'ok', topic: rpc, type: 'add', payload: { a: 1, b: 1 } }))['payload'], 2);
    s.close();
  });

  it('an oversize frame closes the socket with 1009', async () => {
    const s = await TestSocket.open(wsUrl);
    s.send({ op: 'publish', topic: room, type: 'x', payload: 'x'.repeat(5_000) });
    assert.equal(await s.closed, 1009);
  });

  it('a slow socket is closed with a clear code; the others keep receiving', async () => {
    const topic = topicName('firehose');
    const N = 400;
    const slow = await TestSocket.open(wsUrl);
    const fast = await TestSocket.open(wsUrl);
    await slow.call({ op: 'subscribe', id: 1, topic });
    await fast.call({ op: 'subscribe', id: 1, topic });
    // The slow client stops reading: its kernel buffers fill, then the gateway's send buffer.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const publisher = new Client(engine);
    const big = 'y'.repeat(64 * 1024);
    for (let i = 0; i < N; i++) {
      await publisher.publish(topic, 'blob', { i, big });
      // A steady stream the fast client keeps up with.
      if (i % 4 === 3) await waitFor(() => fast.events(topic).length > i - 4, { intervalMs: 1 });
    }
    await waitFor(() => fast.events(topic).length === N, { timeoutMs: 15_000 });
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal(await slow.closed, SLOW_CONSUMER_CLOSE_CODE);
    assert.equal(slow.closeReason, 'ERR_STREAMERSON_SLOW_CONSUMER');
    assert.ok(slow.events(topic).length < N);
    assert.deepEqual(
      fast.events(topic).map((e) => e['payload'].i),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.match(await (await fetch(wsUrl.replace('ws', 'http').replace(/\/ws$/, '/metrics'))).text(), /streamerson_gateway_slow_consumers_total [1-9]/);
    await publisher.close();
    fast.close();
  });

  it('history sent by a subscription from an id goes at the pace of the socket: a slow start is not a slow consumer', async () => {
    const topic = topicName('history');
    const publisher = new Client(engine);
    const big = 'h'.repeat(64 * 1024);
    const N = 200;
    for (let i = 0; i < N; i++) await publisher.publish(topic, 'blob', { i, big });
    const s = await TestSocket.open(wsUrl);
    (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    s.send({ op: 'subscribe', id: 1, topic, from: '0-0' });
    await waitFor(() => [...app.websocketServer.clients].some((w) => w.bufferedAmount > 0), { what: 'the history to fill the paused socket' });
    (s.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitFor(() => s.events(topic).length === N, { timeoutMs: 15_000 });
    assert.equal(s.closeCode, undefined);
    assert.deepEqual(
      s.events(topic).map((e) => e['payload'].i),
      Array.from({ length: N }, (_, i) => i),
    );
    await publisher.close();
    s.close();
  });

  it('one shared reader serves every subscribed topic; subscriptions are released when sockets close', async () => {
    const topics = [topicName('t'), topicName('t'), topicName('t')];
    const sockets = await Promise.all(topics.map(() => TestSocket.open(wsUrl)));
    await Promise.all(sockets.map((s, i) => s.call({ op: 'subscribe', id: 1, topic: topics[i] })));
    const publisher = new Client(engine);
    await Promise.all(topics.map((t) => publisher.publish(t, 'x', t)));
    await Promise.all(sockets.map((s, i) => s.next((f) => f['op'] === 'event' && f['payload'] === topics[i])));
    for (const s of sockets) s.close();
    await waitFor(() => app.streamerson.stats().subscriptions === 0 && app.streamerson.stats().wsConnections === 0);
    assert.equal(app.streamerson.stats().subscribedTopics, 0);
    await publisher.close();
  });
});
