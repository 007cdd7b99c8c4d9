/**
 * Failures answered with a 5xx are logged through the configured logger with
 * the message id and emitted as typed 'error' events; with
 * `codedServerOptions()` the requests that arrive while the server closes get
 * a coded 503.
 */
import { strict as assert } from 'node:assert';
import { connect as tcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MemoryEngine } from '@streamerson/core';
import { ServiceError, type HandlerContext, type Service } from '@streamerson/service';
import { waitFor } from '@streamerson/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { codedServerOptions, streamersonGateway, type GatewayErrorContext } from '../src/index.js';
import { capturedLogger, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

describe('5xx answers are logged and emitted', () => {
  const engine = new MemoryEngine();
  const topic = topicName('report');
  let lines: Record<string, unknown>[] = [];
  const events: { error: unknown; context: GatewayErrorContext }[] = [];
  let svc: Service;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    svc = await worker(engine, topic, {
      down: () => {
        throw new ServiceError('the ledger is down', { status: 502, errorCode: 'LEDGER_DOWN' });
      },
      // Fails with the signal's reason (the deadline's 504) rather than answering after it: either the
      // gateway's timer or the worker's 504 ends the request, both as ERR_STREAMERSON_TIMEOUT.
      never: (_payload: unknown, ctx: HandlerContext) =>
        new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    const captured = capturedLogger();
    lines = captured.lines;
    app = Fastify({ logger: captured.logger });
    await app.register(streamersonGateway, { engine, authorize: () => true });
    app.streamerson.route({ method: 'GET', url: '/down', topic, type: 'down' });
    app.streamerson.route({ method: 'GET', url: '/never', topic, type: 'never', timeout: 100 });
    app.streamerson.on('error', (error, context) => void events.push({ error, context }));
    base = await listen(app);
  });
  after(async () => {
    await app.close();
    await svc.close();
    await engine.close();
  });

  it("a worker's 5xx and a timeout: logged with the request and message ids, emitted as 'error'", async () => {
    const down = await fetch(`${base}/down?x=1`);
    assert.equal(down.status, 502);
    assert.deepEqual(await down.json(), { error: { code: 'LEDGER_DOWN', message: 'the ledger is down' } });
    const never = await fetch(`${base}/never`);
    assert.equal(never.status, 504);
    await waitFor(() => events.length === 2);
    for (const [i, [status, code, path]] of (
      [
        [502, 'LEDGER_DOWN', '/down'],
        [504, 'ERR_STREAMERSON_TIMEOUT', '/never'],
      ] as const
    ).entries()) {
      const { context } = events[i]!;
      assert.equal(context.status, status);
      assert.equal(context.code, code);
      assert.equal(context.via, 'http');
      assert.equal(context.method, 'GET');
      assert.equal(context.path, path);
      assert.match(context.messageId ?? '', /.+/, 'the message id');
      const line = lines.find((l) => l['messageId'] === context.messageId);
      assert.ok(line !== undefined, `a log line with message id ${context.messageId}`);
      assert.equal(line['level'], 50);
      assert.equal(line['reqId'], context.requestId);
      assert.equal(line['code'], code);
    }
  });

  it('a WebSocket request that times out is reported with via "ws"; 4xx answers are not reported', async () => {
    const before = events.length;
    const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
    const answer = await socket.call({ op: 'request', id: 1, topic, type: 'never', timeout: 100 });
    assert.equal(answer['error'].code, 'ERR_STREAMERSON_TIMEOUT');
    await waitFor(() => events.length === before + 1);
    assert.equal(events[before]!.context.via, 'ws');
    assert.match(events[before]!.context.messageId ?? '', /.+/);
    const bad = await socket.call({ op: 'subscribe', id: 2, topic: '_reply:x' });
    assert.equal(bad['error'].status, 403);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
    assert.equal(events.length, before + 1, 'no event for 4xx');
    socket.close();
  });
});

describe('while the server closes', () => {
  it('a request on a kept-alive connection gets a coded 503 and the connection closes', async () => {
    const engine = new MemoryEngine();
    const topic = topicName('closing');
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const svc = await worker(engine, topic, {
      slow: async () => {
        started = true;
        await released;
        return { done: true };
      },
    });
    const app = Fastify({ ...codedServerOptions() });
    await app.register(streamersonGateway, { engine });
    app.streamerson.route({ method: 'GET', url: '/slow', topic, type: 'slow' });
    let preClosed = false;
    app.addHook('preClose', async () => {
      preClosed = true;
    });
    const { hostname, port } = new URL(await listen(app));
    const socket = tcp({ host: hostname, port: Number(port) });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => started, { what: 'the first request reached the worker' });
    const closing = app.close();
    await waitFor(() => preClosed, { what: 'the server is closing' });
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    release();
    await ended;
    await closing;
    await svc.close();
    await engine.close();
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2, text);
    assert.match(answers[0]!, /^HTTP\/1\.1 200 /);
    assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
    assert.match(answers[1]!, /connection: close/i);
    assert.match(answers[1]!, /retry-after: 1/i);
    assert.ok(answers[1]!.endsWith('{"error":{"code":"ERR_STREAMERSON_UNAVAILABLE","message":"the gateway is shutting down"}}'), answers[1]);
  });
});
