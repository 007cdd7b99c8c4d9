import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { Client } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName } from './helpers.js';
import { SseReader } from './sse-client.js';
import { TestSocket } from './ws-client.js';

const engine = new MemoryEngine();
let app: FastifyInstance;
let base: string;
let publisher: Client;

before(async () => {
  app = await gatewayApp({
    engine,
    sse: { heartbeatMs: 50 },
    authorize: (ctx) => ctx.topic === undefined || !ctx.topic.startsWith('private'),
  });
  base = await listen(app);
  publisher = new Client(engine);
});
after(async () => {
  await publisher.close();
  await app.close();
  await engine.close();
});

const payloads = (r: SseReader): unknown[] => r.events.map((e) => JSON.parse(e.data).payload);

describe('Server-Sent Events', () => {
  it('streams a topic with entry ids as event ids, and heartbeats', async () => {
    const topic = topicName('news');
    const r = await SseReader.open(`${base}/events/${topic}`);
    assert.equal(r.response.status, 200);
    assert.match(r.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    await waitFor(() => app.streamerson.stats().sseConnections === 1 && app.streamerson.stats().subscriptions === 1);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await publisher.publish(topic, 'news', { i }));
    await waitFor(() => r.events.length === 3);
    assert.deepEqual(
      r.events.map((e) => e.id),
      ids,
    );
    assert.deepEqual(JSON.parse(r.events[0]!.data), { op: 'event', topic, id: ids[0], type: 'news', payload: { i: 0 } });
    await waitFor(() => r.comments >= 3, { what: 'heartbeats' });
    r.close();
    await waitFor(() => app.streamerson.stats().sseConnections === 0 && app.streamerson.stats().subscriptions === 0);
  });

  it('Last-Event-ID (header or query) resumes exactly after that id', async () => {
    const topic = topicName('resume');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await publisher.publish(topic, 'n', i));
    const byHeader = await SseReader.open(`${base}/events/${topic}`, { 'last-event-id': ids[1]! });
    const byQuery = await SseReader.open(`${base}/events/${topic}?lastEventId=${ids[3]}`);
    await waitFor(() => byHeader.events.length === 3 && byQuery.events.length === 1);
    ids.push(await publisher.publish(topic, 'n', 5));
    await waitFor(() => byHeader.events.length === 4 && byQuery.events.length === 2);
    assert.deepEqual(payloads(byHeader), [2, 3, 4, 5]);
    assert.deepEqual(
      byHeader.events.map((e) => e.id),
      ids.slice(2),
    );
    assert.deepEqual(payloads(byQuery), [4, 5]);
    // A reconnect with the last id seen picks up with nothing lost or repeated.
    byHeader.close();
    ids.push(await publisher.publish(topic, 'n', 6));
    const again = await SseReader.open(`${base}/events/${topic}`, { 'last-event-id': byHeader.events.at(-1)!.id! });
    await waitFor(() => again.events.length === 1);
    assert.deepEqual(payloads(again), [6]);
    byQuery.close();
    again.close();
  });

  it('skips entries that are not protocol messages, live and in resumed history', async () => {
    const topic = topicName('foreign');
    const live = await SseReader.open(`${base}/events/${topic}`);
    await waitFor(() => app.streamerson.stats().subscriptions >= 1);
    const before = app.streamerson.stats().badEntries;
    await engine.append(topic, ['foo', 'bar']);
    const id = await publisher.publish(topic, 'ok', 1);
    await waitFor(() => live.events.length === 1);
    assert.equal(live.events[0]!.id, id);
    const resumed = await SseReader.open(`${base}/events/${topic}`, { 'last-event-id': '0-0' });
    await waitFor(() => resumed.events.length === 1);
    assert.equal(resumed.events[0]!.id, id);
    assert.equal(app.streamerson.stats().badEntries, before + 2);
    live.close();
    resumed.close();
  });

  it('shares the gateway reader with WebSocket subscribers', async () => {
    const topic = topicName('shared');
    const r = await SseReader.open(`${base}/events/${topic}`);
    const s = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
    await s.call({ op: 'subscribe', id: 1, topic });
    await waitFor(() => app.streamerson.stats().subscriptions === 2);
    assert.equal(app.streamerson.stats().subscribedTopics, 1);
    await publisher.publish(topic, 'x', 'both');
    await waitFor(() => r.events.length === 1 && s.events(topic).length === 1);
    r.close();
    s.close();
  });

  it('refuses topics the hook does not allow, bad topics and bad ids with coded errors', async () => {
    const forbidden = await fetch(`${base}/events/private-${topicName('x')}`);
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_FORBIDDEN');
    const replies = await fetch(`${base}/events/${app.streamerson.client.replyStream}`);
    assert.equal(replies.status, 403);
    const badTopic = await fetch(`${base}/events/bad%20topic`);
    assert.equal(badTopic.status, 400);
    const badId = await fetch(`${base}/events/ok`, { headers: { 'last-event-id': 'nope' } });
    assert.equal(badId.status, 400);
    assert.equal(((await badId.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_BAD_REQUEST');
  });

  it('closing the gateway ends open streams', async () => {
    const own = await gatewayApp({ engine, authorize: () => true });
    const url = await listen(own);
    const r = await SseReader.open(`${url}/events/${topicName('bye')}`);
    await waitFor(() => own.streamerson.stats().sseConnections === 1);
    await own.close();
    await r.done;
    assert.equal(own.streamerson.stats().sseConnections, 0);
  });
});
