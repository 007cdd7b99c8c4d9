import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { Client } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName } from './helpers.js';
import { TestSocket } from './ws-client.js';

const SOCKETS = 1_000;
const EVENTS = 20;
const engine = new MemoryEngine();
let app: FastifyInstance;
let wsUrl: string;

before(async () => {
  app = await gatewayApp({ engine, authorize: () => true });
  wsUrl = `${(await listen(app)).replace('http', 'ws')}/ws`;
});
after(async () => {
  await app.close();
  await engine.close();
});

it(`${SOCKETS} concurrent sockets on one gateway all receive a subscribed stream, in order`, async () => {
  const topic = topicName('fanout');
  const sockets: TestSocket[] = [];
  // Opened in waves so that the listen backlog is never the bottleneck.
  for (let i = 0; i < SOCKETS; i += 100) sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => TestSocket.open(wsUrl)))));
  await Promise.all(sockets.map((s, i) => s.call({ op: 'subscribe', id: i, topic })));
  assert.equal(app.streamerson.stats().wsConnections, SOCKETS);
  assert.equal(app.streamerson.stats().subscriptions, SOCKETS);
  assert.equal(app.streamerson.stats().subscribedTopics, 1, 'one feed in the shared read for all sockets');
  const publisher = new Client(engine);
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i++) ids.push(await publisher.publish(topic, 'tick', { i }));
  await waitFor(() => sockets.every((s) => s.events(topic).length === EVENTS), { timeoutMs: 20_000, what: 'every socket received every event' });
  for (const s of sockets)
    assert.deepEqual(
      s.events(topic).map((e) => e['id']),
      ids,
    );
  for (const s of sockets) s.close();
  await waitFor(() => app.streamerson.stats().wsConnections === 0, { timeoutMs: 10_000 });
  assert.equal(app.streamerson.stats().subscriptions, 0);
  await publisher.close();
});
