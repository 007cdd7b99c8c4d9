/**
 * Fairness over real sockets: one client cannot take the whole gateway's
 * in-flight budget (per-socket and per-identity limits), and the operations of
 * one socket take effect in the order they were sent.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { Client, type Service } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket, type Frame } from './ws-client.js';

const engine = new MemoryEngine();
const rpc = topicName('fair');
let app: FastifyInstance;
let svc: Service;
let base: string;
let wsUrl: string;
/** Slow requests wait for this gate; the test opens it at the end. */
let openGate!: () => void;
const gate = new Promise<void>((resolve) => (openGate = resolve));

const isError = (code: string) => (f: Frame) => f['op'] === 'error' && f['error']?.code === code;

before(async () => {
  svc = await worker(
    engine,
    rpc,
    {
      slow: async () => {
        await gate;
        return 'late';
      },
      fast: () => 'ok',
    },
    { concurrency: 100 },
  );
  app = await gatewayApp(
    {
      engine,
      timeout: 20_000,
      maxInFlight: 50,
      maxInFlightPerIdentity: 8,
      identity: (request) => String(request.headers['x-user'] ?? request.ip),
      ws: { maxInFlight: 5 },
      authorize: () => true,
    },
    (a) => {
      a.streamerson.route({ method: 'GET', url: '/slow', topic: rpc, type: 'slow' });
      a.streamerson.route({ method: 'GET', url: '/fast', topic: rpc, type: 'fast' });
    },
  );
  base = await listen(app);
  wsUrl = `${base.replace('http', 'ws')}/ws`;
});
after(async () => {
  openGate();
  await app.close();
  await svc.close();
  await engine.close();
});

describe('fairness', () => {
  it('one socket holds at most ws.maxInFlight operations; one more is a 429 error frame, other clients are served', async () => {
    const greedy = await TestSocket.open(wsUrl, { headers: { 'x-user': 'greedy' } });
    for (let i = 0; i < 20; i++) greedy.send({ op: 'request', id: i, topic: rpc, type: 'slow' });
    await waitFor(() => greedy.frames.filter(isError('ERR_STREAMERSON_OVERLOAD')).length === 15);
    const refused = greedy.frames.filter(isError('ERR_STREAMERSON_OVERLOAD'));
    assert.deepEqual(
      refused.map((f) => f['id']),
      Array.from({ length: 15 }, (_, i) => i + 5),
    );
    assert.equal(refused[0]!['error'].status, 429);
    assert.match(refused[0]!['error'].message, /connection/);

    const other = await TestSocket.open(wsUrl, { headers: { 'x-user': 'other' } });
    assert.deepEqual(await other.call({ op: 'request', id: 'a', topic: rpc, type: 'fast' }), { op: 'reply', id: 'a', payload: 'ok' });
    const res = await fetch(`${base}/fast`, { headers: { 'x-user': 'third' } });
    assert.equal(res.status, 200);
    greedy.close();
    other.close();
  });

  it('one identity holds at most maxInFlightPerIdentity requests across its sockets and HTTP; others are served', async () => {
    const sockets = await Promise.all([0, 1].map(() => TestSocket.open(wsUrl, { headers: { 'x-user': 'heavy' } })));
    for (const s of sockets) for (let i = 0; i < 5; i++) s.send({ op: 'request', id: i, topic: rpc, type: 'slow' });
    // 8 slots for the identity: 10 sent, 2 refused.
    await waitFor(() => sockets.reduce((n, s) => n + s.frames.filter(isError('ERR_STREAMERSON_OVERLOAD')).length, 0) === 2);
    for (const s of sockets) for (const f of s.frames.filter(isError('ERR_STREAMERSON_OVERLOAD'))) assert.match(f['error'].message, /identity/);

    const refused = await fetch(`${base}/fast`, { headers: { 'x-user': 'heavy' } });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as Frame)['error'].code, 'ERR_STREAMERSON_OVERLOAD');
    const served = await fetch(`${base}/fast`, { headers: { 'x-user': 'light' } });
    assert.equal(served.status, 200);
    for (const s of sockets) s.close();
  });

  it('slots are given back when requests are answered', async () => {
    const s = await TestSocket.open(wsUrl, { headers: { 'x-user': 'steady' } });
    for (let round = 0; round < 20; round++) {
      const answers = await Promise.all([0, 1, 2, 3, 4].map((i) => s.call({ op: 'request', id: `${round}.${i}`, topic: rpc, type: 'fast' })));
      assert.ok(
        answers.every((f) => f['op'] === 'reply'),
        JSON.stringify(answers),
      );
    }
    s.close();
  });
});

describe('order of the operations of one socket', () => {
  let ordered: FastifyInstance;
  let url: string;
  before(async () => {
    ordered = await gatewayApp({ engine, authorize: () => true, ws: { maxInFlight: 10_000 }, maxInFlightPerIdentity: 10_000 });
    url = `${(await listen(ordered)).replace('http', 'ws')}/ws`;
  });
  after(() => ordered.close());

  it('5,000 subscribe/unsubscribe pairs sent back to back leave no subscription and no error', async () => {
    const topic = topicName('churn');
    const s = await TestSocket.open(url);
    const N = 5_000;
    for (let i = 0; i < N; i++) {
      s.send({ op: 'subscribe', id: `s${i}`, topic });
      s.send({ op: 'unsubscribe', id: `u${i}`, topic });
    }
    await s.next((f) => f['id'] === `u${N - 1}`, 60_000);
    assert.equal(s.frames.filter((f) => f['op'] === 'error').length, 0, JSON.stringify(s.frames.find((f) => f['op'] === 'error')));
    assert.equal(s.frames.filter((f) => f['op'] === 'unsubscribed').length, N);
    assert.equal(ordered.streamerson.stats().subscriptions, 0);
    // Unsubscribed means no more events.
    const publisher = new Client(engine);
    await publisher.publish(topic, 'x', 1);
    const probe = topicName('probe');
    await s.call({ op: 'subscribe', id: 'p', topic: probe });
    await publisher.publish(probe, 'x', 2);
    await s.next((f) => f['op'] === 'event' && f['topic'] === probe);
    assert.equal(s.events(topic).length, 0);
    await publisher.close();
    s.close();
  });

  it('publishes of one socket are appended in the order sent', async () => {
    const topic = topicName('seq');
    const s = await TestSocket.open(url);
    for (let i = 0; i < 200; i++) s.send({ op: 'publish', id: i, topic, type: 'n', payload: i });
    await s.next((f) => f['id'] === 199);
    const entries = await engine.range(topic, '-', '+');
    assert.equal(entries.length, 200);
    const ids = s.frames
      .filter((f) => f['op'] === 'published')
      .sort((a, b) => a['id'] - b['id'])
      .map((f) => f['entryId'] as string);
    assert.deepEqual(
      ids,
      entries.map((e) => e.id),
    );
    s.close();
  });
});
