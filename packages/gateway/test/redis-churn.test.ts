/**
 * Subscription churn on a real Redis: changing the set of subscribed topics
 * interrupts the shared blocking read on its own connection (CLIENT UNBLOCK)
 * instead of opening a new one.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { Client } from '@streamerson/service';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName } from './helpers.js';
import { TestSocket } from './ws-client.js';

let redis: RedisServer;
let engine: Engine;
let app: FastifyInstance;
let wsUrl: string;

/** Connections the server has accepted so far (each `redis.command` adds its own). */
async function connectionsReceived(): Promise<number> {
  const info = String(await redis.command('info', 'stats'));
  return Number(/total_connections_received:(\d+)/.exec(info)![1]);
}

before(async () => {
  redis = await startRedis();
  engine = await connect(redis.url);
  app = await gatewayApp({ engine, authorize: () => true, ws: { maxInFlight: 10_000 }, maxInFlightPerIdentity: 10_000, subscribe: { blockMs: 5_000 } });
  wsUrl = `${(await listen(app)).replace('http', 'ws')}/ws`;
});
after(async () => {
  await app.close();
  await engine.close();
  await redis.stop();
});

describe('subscription churn on Redis', () => {
  it('2,000 subscribe/unsubscribe cycles open O(1) connections, leave no subscription, and events still flow', async () => {
    const steady = topicName('steady');
    const churn = topicName('churn');
    const s = await TestSocket.open(wsUrl);
    // A subscription that stays: the shared read is blocked on Redis through the churn.
    await s.call({ op: 'subscribe', id: 'steady', topic: steady });
    const before = await connectionsReceived();
    const N = 2_000;
    for (let i = 0; i < N; i++) {
      s.send({ op: 'subscribe', id: `s${i}`, topic: churn });
      s.send({ op: 'unsubscribe', id: `u${i}`, topic: churn });
    }
    await s.next((f) => f['id'] === `u${N - 1}`, 120_000);
    const opened = (await connectionsReceived()) - before;
    // One for each INFO of this test; the gateway's reader keeps its connection.
    assert.ok(opened <= 3, `${opened} connections opened during ${N} cycles`);
    assert.equal(s.frames.filter((f) => f['op'] === 'error').length, 0);
    assert.equal(app.streamerson.stats().subscriptions, 1);
    assert.equal(app.streamerson.stats().subscribedTopics, 1);

    const publisher = new Client(engine);
    await publisher.publish(steady, 'x', 'still here');
    assert.equal((await s.next((f) => f['op'] === 'event' && f['topic'] === steady))['payload'], 'still here');
    await publisher.close();
    s.close();
  });
});
