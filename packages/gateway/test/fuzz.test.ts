import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryEngine } from '@streamerson/core';
import type { Service } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import type { HttpRequest } from '../src/index.js';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

// The test runner starts files without --expose-gc; this makes gc() available here.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROUNDS = 2;
const PER_ROUND = 600;
const engine = new MemoryEngine();
const topic = topicName('fuzz');
let app: FastifyInstance;
let svc: Service;
let base: string;

/** Deterministic bytes so that a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
const rand = prng(0x5eed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const junk = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 0x7f))).join('');

function malformedBody(): string | Buffer {
  switch (Math.floor(rand() * 6)) {
    case 0:
      return junk(1 + Math.floor(rand() * 200));
    case 1:
      return JSON.stringify({ a: [1, 2, { b: junk(20) }] }).slice(0, 1 + Math.floor(rand() * 20));
    case 2:
      return `{"a":${'['.repeat(50)}`;
    case 3:
      return Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256)));
    case 4:
      return `{"s":"${'z'.repeat(70_000)}"}`;
    default:
      return '{"name": {"nested": true}}';
  }
}

function malformedFrame(): string {
  switch (Math.floor(rand() * 9)) {
    case 0:
      return junk(1 + Math.floor(rand() * 100));
    case 1:
      return JSON.stringify(pick([null, 1, 'x', [], true]));
    case 2:
      return JSON.stringify({ op: pick(['request', 'publish', 'subscribe', 'unsubscribe', 'nope', 7]), topic: pick([1, '', 'bad topic', null]) });
    case 3:
      return JSON.stringify({ op: 'subscribe', topic: 'ok', from: junk(10) });
    case 4:
      return JSON.stringify({ op: 'request', topic: 'ok', type: 'x', timeout: -5 });
    case 5:
      return JSON.stringify({ op: 'publish', topic: 'ok', id: { deep: [1] } });
    case 7:
      return JSON.stringify({ op: 'request', id: junk(8), route: `${pick(['FOO', 'CONNECT', 'TRACE', 'PROPFIND', 'get\u0000', ''])} /${junk(10)}` });
    case 8: {
      const depth = 65 + Math.floor(rand() * 400);
      return `{"op":"request","id":1,"route":"POST /echo","body":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    }
    default:
      return `{"op":"request","id":${junk(5)}`;
  }
}

before(async () => {
  svc = await worker(engine, topic, { echo: (req: HttpRequest) => req.body });
  app = await gatewayApp({ engine, authorize: () => true, ws: { maxPayload: 2_048 } }, (a) => {
    a.streamerson.route({
      method: 'POST',
      url: '/echo',
      topic,
      type: 'echo',
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    });
  });
  base = await listen(app);
});
after(async () => {
  await app.close();
  await svc.close();
  await engine.close();
});

async function round(): Promise<void> {
  // HTTP: every malformed body is answered with a coded 4xx, never a crash or a hang.
  for (let i = 0; i < PER_ROUND; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${base}/echo`, {
          method: 'POST',
          headers: { 'content-type': pick(['application/json', 'application/json', 'text/plain', 'application/x-junk']) },
          body: malformedBody(),
        });
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
        const body = (await res.json()) as { error: { code: string } };
        assert.match(body.error.code, /^ERR_STREAMERSON_(BAD_REQUEST|TOO_LARGE)$/);
      }),
    );
  }
  // WebSocket: each malformed frame gets an error frame; oversize frames close with 1009.
  const sockets = await Promise.all(Array.from({ length: 10 }, () => TestSocket.open(`${base.replace('http', 'ws')}/ws`)));
  for (let i = 0; i < PER_ROUND; i++) sockets[i % sockets.length]!.send(malformedFrame());
  await waitFor(() => sockets.reduce((n, s) => n + s.frames.length, 0) === PER_ROUND, { what: 'an error frame per malformed frame' });
  for (const s of sockets) for (const f of s.frames) assert.equal(f['error'].code, 'ERR_STREAMERSON_BAD_REQUEST');
  for (const s of sockets.slice(0, 3)) s.send(junk(3_000));
  for (const s of sockets.slice(0, 3)) assert.equal(await s.closed, 1009);
  for (const s of sockets.slice(3)) s.close();
  await waitFor(() => app.streamerson.stats().wsConnections === 0);
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it(`${ROUNDS * PER_ROUND} malformed HTTP bodies and ${ROUNDS * PER_ROUND} malformed frames: the gateway keeps serving, memory stays bounded`, async () => {
  await round();
  const baseline = heapAfterGc();
  for (let r = 1; r < ROUNDS; r++) await round();
  const grown = heapAfterGc() - baseline;
  assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024)} KiB over a round`);
  const stats = app.streamerson.stats();
  assert.equal(stats.client.inFlight, 0);
  assert.equal(stats.subscriptions, 0);
  assert.equal(stats.client.requests, 0, 'no malformed request reached the engine');
  const ok = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"still here"}' });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { name: 'still here' });
});
