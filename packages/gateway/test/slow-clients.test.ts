/**
 * Clients that are slow on purpose, over real sockets: SSE readers that never
 * read are closed and freed, and a body sent a byte at a time is cut by the
 * body timeout.
 */
import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { Client, type Service } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import type { FastifyInstance } from 'fastify';
import { hasBody } from '../src/http/body-timeout.js';
import { gatewayApp, listen, topicName, worker } from './helpers.js';

const engine = new MemoryEngine();
const echo = topicName('echo');
let app: FastifyInstance;
let svc: Service;
let port: number;

before(async () => {
  svc = await worker(engine, echo, { echo: (req: { body: unknown }) => req.body });
  app = await gatewayApp({ engine, bodyTimeout: 1_000, sse: { maxBufferedBytes: 256 * 1024 }, authorize: () => true }, (a) => {
    a.streamerson.route({ method: 'POST', url: '/echo', topic: echo, type: 'echo' });
    // A parser that never reads its body: nothing listens on the request stream when the body timeout fires.
    a.addContentTypeParser('application/x-never-read', (_request, _payload, _done) => undefined);
    // An application route with a method that has no body beside one that has, and a preParsing hook of its own.
    a.route({
      method: ['GET', 'PUT'],
      url: '/app',
      preParsing: (_request, _reply, payload, done) => done(null, payload),
      handler: async (request) => request.body ?? null,
    });
  });
  port = Number(new URL(await listen(app)).port);
});
after(async () => {
  await app.close();
  await svc.close();
  await engine.close();
});

const openConnections = (): Promise<number> => new Promise((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

/** A raw connection that sends `head` and never reads. */
function neverReads(head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write(head, () => resolve(socket));
    });
    socket.on('error', reject);
  });
}

describe('slow clients', () => {
  it('SSE clients that never read are closed as slow consumers and their connections freed; a reading client gets every event', async () => {
    const topic = topicName('flood');
    const baseline = await openConnections();
    const N = 20;
    const stalled = await Promise.all(Array.from({ length: N }, () => neverReads(`GET /events/${topic} HTTP/1.1\r\nhost: x\r\n\r\n`)));
    let received = 0;
    let text = '';
    const reader = httpRequest({ port, host: '127.0.0.1', path: `/events/${topic}` });
    const reading = new Promise<void>((resolve) =>
      reader.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const blocks = (text + chunk).split('\n\n');
          text = blocks.pop()!;
          received += blocks.filter((b) => b.startsWith('id: ')).length;
        });
        resolve();
      }),
    );
    reader.end();
    await reading;
    await waitFor(() => app.streamerson.stats().sseConnections === N + 1 && app.streamerson.stats().subscriptions === N + 1);

    const publisher = new Client(engine);
    const big = 'z'.repeat(64 * 1024);
    let sent = 0;
    // Until every stalled client is found slow: their kernel buffers fill first, then the gateway's.
    while (app.streamerson.stats().subscriptions > 1) {
      assert.ok(sent < 2_000, `still ${app.streamerson.stats().subscriptions} subscriptions after ${sent} events`);
      await publisher.publish(topic, 'blob', { i: sent++, big });
      await waitFor(() => received === sent, { intervalMs: 1 });
    }
    const metrics = await app.inject('/metrics');
    assert.match(metrics.body, new RegExp(`streamerson_gateway_slow_consumers_total ${N}\\b`));
    // Cut after the grace period: the connections and what they held are gone.
    await waitFor(async () => app.streamerson.stats().sseConnections === 1 && (await openConnections()) === baseline + 1, { timeoutMs: 15_000 });
    await publisher.publish(topic, 'blob', { i: sent++, big: '' });
    await waitFor(() => received === sent);
    reader.destroy();
    for (const s of stalled) s.destroy();
    await publisher.close();
  });

  it('a body sent one byte at a time is answered 408 and its connection closed after bodyTimeout', async () => {
    const started = performance.now();
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{');
    const drip = setInterval(() => socket.writable && socket.write(' '), 100);
    await closed;
    clearInterval(drip);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5_000, `closed after ${elapsed} ms`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /"code":"ERR_STREAMERSON_TIMEOUT"/);
  });

  it('slow bodies that started apart are each answered 408 at their own deadline by the one shared sweep, on application routes too', async () => {
    const open = (requestLine: string): Promise<{ answer: string; at: number }> => {
      const socket = netConnect(port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.write(`${requestLine} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
      return new Promise((resolve) => socket.on('close', () => resolve({ answer, at: performance.now() })));
    };
    const first = open('POST /echo');
    // The second body starts half a timeout later, as another slow client would.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = open('PUT /app');
    const [a, b] = await Promise.all([first, second]);
    assert.match(a.answer, /^HTTP\/1\.1 408 /);
    assert.match(b.answer, /^HTTP\/1\.1 408 /);
    assert.ok(b.at - a.at >= 300, `the second closed ${b.at - a.at} ms after the first`);
    // The bodiless method of the same route runs no body timeout step and is answered at once.
    const get = await app.inject({ method: 'GET', url: '/app' });
    assert.equal(get.statusCode, 200);
  });

  it('a body that no parser reads is answered 408 after bodyTimeout as well', async () => {
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-never-read\r\ncontent-length: 1000\r\n\r\nx');
    await closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"ERR_STREAMERSON_TIMEOUT"/);
  });

  it('a body that arrives in pieces within bodyTimeout is served, and the connection serves the next request', async () => {
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"a":\r\n');
    // The rest of the body a moment later, as a slow client sends it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('2\r\n1}\r\n0\r\n\r\n');
    await waitFor(() => answer.endsWith('{"a":1}'));
    assert.match(answer, /^HTTP\/1\.1 200 /);
    socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{"b":2}');
    await waitFor(() => answer.endsWith('{"b":2}'));
    socket.destroy();
  });

  it('a body that arrives in time is served', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { a: 1 });
  });
});

describe('hasBody', () => {
  it('is true with a Transfer-Encoding or a non-zero Content-Length, false otherwise (RFC 9112 §6.3)', () => {
    assert.equal(hasBody({}), false);
    assert.equal(hasBody({ 'content-length': '0' }), false);
    assert.equal(hasBody({ 'content-length': '7' }), true);
    assert.equal(hasBody({ 'transfer-encoding': 'chunked' }), true);
    assert.equal(hasBody({ 'transfer-encoding': 'chunked', 'content-length': '0' }), true);
  });
});
