/**
 * Hostile HTTP clients against a gateway process whose server is opted into
 * the coded envelope (`codedServerOptions`, `errorHandler`), on memory:// and
 * on a real Redis, over raw sockets: unknown methods, bad URLs, invalid UTF-8,
 * long parameters, malformed and oversize bodies on unknown routes, deep JSON,
 * bad SSE ids, SSE clients that never read. Every answer is `{"error":{"code","message"}}` without internal
 * text, the process stays up and other clients stay served.
 */
import { strict as assert } from 'node:assert';
import { connect as tcp, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { killNodeProcesses, startRedis, type NodeProcess, type RedisServer } from '@streamerson/testkit';
import { TestSocket } from './ws-client.js';
import { assertAlive, assertCoded, assertMemoryBack, memoryOf, deepArray, deepObject, hostileGateway } from './hostile.js';

/** One raw request and the status it must get. */
interface Case {
  readonly what: string;
  readonly head: string;
  readonly body?: string | Buffer;
  readonly status: number;
}

/** Sends raw bytes, and resolves with the status and body of the answer once the server ends or answers. */
function raw(base: string, head: string, body?: string | Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = tcp({ host: hostname, port: Number(port) });
    let data = Buffer.alloc(0);
    const finish = (): void => {
      const text = data.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (m === null) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const length = /content-length: (\d+)/i.exec(m[2]!);
      resolve({ status: Number(m[1]), body: length === null ? m[3]! : m[3]!.slice(0, Number(length[1])) });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, split));
      if (split !== -1 && length !== null && data.length >= split + 4 + Number(length[1])) {
        socket.destroy();
        finish();
      }
    });
    socket.on('error', () => undefined); // a reset shows as a close without an answer
    socket.on('close', () => {
      if (data.length > 0) finish();
      else reject(new Error('the connection closed without an answer'));
    });
    socket.write(Buffer.from(head, 'latin1'));
    if (body !== undefined) socket.write(body);
  });
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (what: string, head: string, status: number, body?: string | Buffer): void =>
    void out.push({ what, head: `${head}\r\n\r\n`, status, ...(body === undefined ? {} : { body }) });
  const get = (target: string): string => `GET ${target} HTTP/1.1\r\nHost: x`;
  const post = (target: string, type: string, length: number): string =>
    `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}`;
  // Methods.
  add('unknown method', 'FOO /hello/x HTTP/1.1\r\nHost: x', 400);
  add('lower-case method', 'get /hello/x HTTP/1.1\r\nHost: x', 400);
  add('method Fastify has no route for', 'PROPFIND /hello/x HTTP/1.1\r\nHost: x', 404);
  add('garbage request line', 'GARBAGE', 400);
  // URLs.
  add('bad percent-encoding', get('/hello/%zz'), 400);
  add('bad percent-encoding on an unknown route', get('/%'), 400);
  add('percent-encoded invalid UTF-8', get('/hello/%ff%fe'), 400);
  add('overlong UTF-8', get('/hello/%c0%af'), 400);
  add('raw invalid UTF-8 bytes', get('/hello/\xff\xfe'), 400);
  add('path parameter over maxParamLength', get(`/hello/${'a'.repeat(150)}`), 414);
  add('unknown route', get('/nowhere'), 404);
  add('dot segments', get('/hello/../../etc/passwd'), 404);
  add('the WebSocket endpoint without an upgrade', get('/ws'), 400);
  // Headers and framing.
  add('headers over the limit', `${get('/hello/x')}\r\nX-Big: ${'h'.repeat(20_000)}`, 431);
  add('Content-Length not a number', `${get('/hello/x')}\r\nContent-Length: abc`, 400);
  add('Content-Length and Transfer-Encoding', `POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked`, 400, '0\r\n\r\n');
  add('header without a colon', `${get('/hello/x')}\r\nNoColon`, 400);
  // Bodies.
  for (const target of ['/body', '/nowhere', '/app/json']) {
    add(`malformed JSON on ${target}`, post(target, 'application/json', 5), 400, '{"a":');
    add(`__proto__ in JSON on ${target}`, post(target, 'application/json', 24), 400, '{"__proto__":{"x":true}}');
    add(`constructor.prototype in JSON on ${target}`, post(target, 'application/json', 35), 400, '{"constructor":{"prototype":{"x":1}}}'.slice(0, 35));
    // Oversize bodies are sent only as far as the server reads them: bytes it never reads would reset the connection and lose the answer.
    add(`10 MB Content-Length on ${target}`, post(target, 'application/json', 10 * 1024 * 1024), 413);
    const over = 65 * 1024;
    add(
      `chunked body over the limit on ${target}`,
      `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
      413,
      `${over.toString(16)}\r\n${' '.repeat(over)}`,
    );
  }
  for (const json of [deepArray(65), deepObject(65), deepArray(10_000), deepObject(10_000), `{"a":${deepArray(5_000)},"__proto__":1}`]) {
    add(`JSON ${json.length} characters deep`, post('/body', 'application/json', Buffer.byteLength(json)), 400, json);
  }
  add('unsupported media type', post('/body', 'application/x-nope; charset=nope', 2), 200, 'ab');
  // Server-Sent Events.
  add('SSE bad topic', get('/events/bad%20topic'), 400);
  add('SSE reply stream', get('/events/_reply:someone'), 403);
  add('SSE Last-Event-ID garbage', `${get('/events/hostile')}\r\nLast-Event-ID: ../../x`, 400);
  add('SSE lastEventId garbage', get('/events/hostile?lastEventId=-1-1'), 400);
  return out;
}

for (const engine of ['memory', 'redis'] as const) {
  describe(`hostile HTTP clients (${engine})`, () => {
    let redis: RedisServer | undefined;
    let proc: NodeProcess;
    let base: string;
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
      ({ proc, base } = await hostileGateway(redis?.url ?? 'memory://'));
    });
    after(async () => {
      await killNodeProcesses();
      await redis?.stop();
    });

    it('every hostile request gets its coded answer; the process stays up; others are served', async () => {
      const start = await memoryOf(proc);
      for (const c of cases()) {
        const answer = await raw(base, c.head, c.body).catch((err: unknown) => {
          assertAlive(proc);
          throw err;
        });
        assert.equal(answer.status, c.status, `${c.what}: ${answer.body.slice(0, 200)}`);
        if (c.status >= 400) assertCoded((JSON.parse(answer.body) as { error: unknown }).error, c.what);
        const ok = await fetch(`${base}/hello/ok`);
        assert.deepEqual(await ok.json(), { hello: 'ok' }, `served after ${c.what}`);
      }
      assertAlive(proc);
      assertMemoryBack(start, await memoryOf(proc), 'after the attack');
    });

    it('SSE clients that never read are closed as slow consumers: the gateway lets go of what they held', async () => {
      const start = await memoryOf(proc);
      const topic = 'hostile-flood';
      const { hostname, port } = new URL(base);
      const N = 50;
      const stalled = await Promise.all(
        Array.from(
          { length: N },
          () =>
            new Promise<Socket>((resolve, reject) => {
              const socket = tcp(Number(port), hostname, () => {
                socket.pause();
                socket.write(`GET /events/${topic} HTTP/1.1\r\nhost: x\r\n\r\n`, () => resolve(socket));
              });
              socket.on('error', reject);
            }),
        ),
      );
      const slowConsumers = async (): Promise<number> =>
        Number(/streamerson_gateway_slow_consumers_total (\d+)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
      const already = await slowConsumers();
      const publisher = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
      const big = 'z'.repeat(64 * 1024);
      // Until every stalled client is found slow: their kernel buffers fill first, then the gateway's.
      for (let i = 0; (await slowConsumers()) < already + N; i++) {
        assert.ok(i < 4_000, `${(await slowConsumers()) - already} of ${N} found slow after ${i} events`);
        assertAlive(proc);
        const published = await publisher.call({ op: 'publish', id: i, topic, type: 'blob', payload: { i, big } });
        assert.equal(published['op'], 'published', JSON.stringify(published));
      }
      const ok = await fetch(`${base}/hello/ok`);
      assert.deepEqual(await ok.json(), { hello: 'ok' }, 'served during the flood');
      publisher.close();
      for (const s of stalled) s.destroy();
      assertAlive(proc);
      assertMemoryBack(start, await memoryOf(proc), 'after the flood');
    });

    it("the application's own failures are coded too, without their internal text", async () => {
      const res = await fetch(`${base}/app/throws`);
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.deepEqual(body, { error: { code: 'ERR_STREAMERSON_INTERNAL', message: 'internal gateway error' } });
    });
  });
}
