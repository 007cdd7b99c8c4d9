/** The gateway follows the one lifecycle (core/src/lifecycle.ts), checked by testkit's checkLifecycle. */
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import type { Service } from '@streamerson/service';
import { checkLifecycle, waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

const engine = new MemoryEngine();
const topic = topicName('life');
const apps: FastifyInstance[] = [];
let svc: Service;

async function app(): Promise<FastifyInstance> {
  svc ??= await worker(engine, topic, {
    echo: (p: unknown) => p,
    slow: async (p: unknown) => {
      await new Promise((r) => setTimeout(r, 200));
      return p;
    },
  });
  const a = await gatewayApp({ engine, authorize: () => true }, (f) => {
    f.streamerson.route({ method: 'POST', url: '/slow', topic, type: 'slow' });
  });
  apps.push(a);
  return a;
}

after(async () => {
  for (const a of apps) await a.close();
  await svc.close();
  await engine.close();
});

describe('gateway lifecycle', () => {
  it('passes checkLifecycle, draining with a request in flight', async () => {
    await checkLifecycle(async () => (await app()).streamerson, {
      name: 'Gateway',
      // A request of the gateway's own client, in flight when drain() starts.
      work: async (gateway) => assert.deepEqual(await (gateway as FastifyInstance['streamerson']).client.request(topic, 'slow', { n: 1 }), { n: 1 }),
    });
  });

  it('drain() answers the requests in flight, refuses new ones with 503, then closes sockets with 1001; the engine stays open', async () => {
    const a = await app();
    const base = await listen(a);
    const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
    const inFlight = fetch(`${base}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":2}' });
    await waitFor(() => a.streamerson.stats().inFlight === 1);
    const drained = a.streamerson.drain();
    assert.equal(a.streamerson.stats().accepting, false);
    const refused = await fetch(`${base}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_UNAVAILABLE');
    assert.deepEqual(((await (await inFlight).json()) as { body: unknown }).body, { n: 2 });
    await drained;
    assert.equal(await socket.closed, 1001);
    assert.equal(await a.streamerson.closed, undefined);
    await engine.append(topicName('still-open'), ['k', 'v']);
  });
});
