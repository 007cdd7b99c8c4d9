import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import websocket from '@fastify/websocket';
import { MemoryEngine } from '@streamerson/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { streamersonGateway } from '../src/index.js';
import { gatewayApp, listen } from './helpers.js';
import { TestSocket } from './ws-client.js';

const apps: FastifyInstance[] = [];
after(async () => {
  for (const app of apps) await app.close();
});

/** Answers whether @fastify/websocket's onRequest hook ran on this HTTP request (it sets `request.ws`). */
function addProbe(app: FastifyInstance): void {
  app.get('/probe', async (request) => ({ ws: 'ws' in request ? request.ws : 'absent' }));
}

/** Opens a socket on the gateway's endpoint and subscribes; the caller closes it. */
async function subscribed(base: string): Promise<TestSocket> {
  const s = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
  assert.equal((await s.call({ op: 'subscribe', id: 1, topic: 'scope-topic' }))['op'], 'subscribed');
  return s;
}

describe('WebSocket plugin scope', () => {
  it('@fastify/websocket’s hooks run on the upgrade route only; its server is still app.websocketServer', async () => {
    const app = await gatewayApp({ ws: {}, authorize: () => true }, addProbe);
    apps.push(app);
    const base = await listen(app);
    assert.deepEqual(await (await fetch(`${base}/probe`)).json(), { ws: 'absent' });
    const s = await subscribed(base);
    assert.equal(app.websocketServer.clients.size, 1);
    s.close();
  });

  it('an application that registered @fastify/websocket itself keeps it, with the endpoint one of its routes', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(websocket);
    await app.register(streamersonGateway, { engine: new MemoryEngine(), ws: {}, authorize: () => true });
    addProbe(app);
    const base = await listen(app);
    assert.deepEqual(await (await fetch(`${base}/probe`)).json(), { ws: false });
    (await subscribed(base)).close();
  });
});
