/**
 * Request/reply across processes on Redis: two worker processes, members of
 * the same groups, each serving two services (different names and topics);
 * several clients in this process send many types at once and each receives
 * only its own replies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { Client, RemoteError, type ServiceStats } from '../src/index.js';
import { killWorkers, startWorker } from './workers.js';

const CLIENTS = 3;
const PER_CLIENT = 300;

describe('request/reply across processes on Redis', () => {
  let server: RedisServer;
  let engine: Engine;
  const clients: Client[] = [];
  before(async () => {
    server = await startRedis();
    engine = await connect(server.url);
  });
  after(async () => {
    await killWorkers();
    for (const c of clients) await c.close();
    await engine.close();
    await server.stop();
  });

  test('two worker processes serve two services; concurrent clients each get only their own replies', async () => {
    const orders = { name: uniqueName('orders'), topic: uniqueName('orders-topic') };
    const billing = { name: uniqueName('billing'), topic: uniqueName('billing-topic') };
    const services = [orders, billing];
    const workers = await Promise.all(
      ['w1', 'w2'].map((consumer) => startWorker({ url: server.url, consumer, services, options: { concurrency: 8, blockMs: 100 } })),
    );
    for (let i = 0; i < CLIENTS; i++) clients.push(new Client(engine, { timeout: 15_000, blockMs: 100 }));

    const sent = new Map<string, number>(services.map((s) => [s.name, 0]));
    const echoedBy = new Map<string, Set<string>>(services.map((s) => [s.name, new Set()]));
    await Promise.all(
      clients.map((c, ci) =>
        Promise.all(
          Array.from({ length: PER_CLIENT }, async (_, i) => {
            // Every type goes to both services: types cycle every 6 requests, services every 6 too.
            const svc = services[Math.floor(i / 6) % 2]!;
            sent.set(svc.name, sent.get(svc.name)! + 1);
            const tag = `c${ci}-${i}`;
            switch (i % 6) {
              case 0:
                assert.equal(await c.request(svc.topic, 'add', { a: i, b: ci * 1_000 }), i + ci * 1_000);
                break;
              case 1:
                assert.equal(await c.request(svc.topic, 'concat', { parts: [tag, ':', svc.name] }), `${tag}:${svc.name}`);
                break;
              case 2: {
                const r = await c.request<{ service: string; type: string; payload: unknown; by: string }>(svc.topic, 'echo', { tag, nested: [i, { ci }] });
                assert.deepEqual({ ...r, by: undefined }, { service: svc.name, type: 'echo', payload: { tag, nested: [i, { ci }] }, by: undefined });
                echoedBy.get(svc.name)!.add(r.by);
                break;
              }
              case 3: {
                const err = await c.request(svc.topic, 'reject', { reason: `no ${tag}` }).catch((e: unknown) => e);
                assert.ok(err instanceof RemoteError, `reject ${tag}: ${String(err)}`);
                assert.equal(err.status, 409);
                assert.equal(err.errorCode, 'REJECTED');
                assert.equal(err.message, `no ${tag}`);
                assert.deepEqual(err.details, { service: svc.name });
                break;
              }
              case 4: {
                const err = await c.request(svc.topic, 'no-such-type', tag).catch((e: unknown) => e);
                assert.ok(err instanceof RemoteError);
                assert.equal(err.status, 404);
                assert.equal(err.errorCode, 'ERR_STREAMERSON_UNKNOWN_TYPE');
                break;
              }
              default:
                assert.equal(await c.request(svc.topic, 'add', { a: -i, b: ci }), ci - i);
            }
          }),
        ),
      ),
    );

    for (const c of clients) {
      assert.equal(c.stats().requests, PER_CLIENT);
      assert.equal(c.stats().replies, PER_CLIENT);
      assert.equal(c.stats().unknownReplies, 0, 'a client receives only its own replies');
      assert.equal(c.stats().badReplies, 0);
      assert.equal(c.stats().inFlight, 0);
    }
    for (const svc of services) {
      assert.deepEqual([...echoedBy.get(svc.name)!].sort(), ['w1', 'w2'], `both members of ${svc.name} served`);
      await waitFor(async () => (await engine.pendingSummary(svc.topic, svc.name)).count === 0, { what: `${svc.name} acked everything` });
    }

    // SIGTERM drains both workers; their counters add up to what was sent to each service.
    const exits = await Promise.all(workers.map((w) => w.stop()));
    for (const exit of exits) assert.deepEqual(exit, { code: 0, signal: null });
    for (const svc of services) {
      const stats = workers.map((w) => {
        const drained = w.events.find((e) => e.event === 'drained');
        assert.ok(drained?.event === 'drained');
        return drained.stats[svc.name] as ServiceStats;
      });
      const total = stats.reduce((sum, s) => sum + s.processed + s.unknownType, 0);
      assert.equal(total, sent.get(svc.name), `${svc.name}: handled ${total} of ${sent.get(svc.name)}`);
      for (const s of stats) assert.equal(s.claimed, 0);
    }
  });
});
