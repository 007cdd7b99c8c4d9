/**
 * Service, Client and Announcer against the one lifecycle contract
 * (checkLifecycle of the test kit), the strict option parsers, and loop errors
 * that are emitted and logged, not only counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MemoryEngine, type AppendItem, type Engine, type StreamAcks } from '@streamerson/core';
import { checkLifecycle, uniqueName, waitFor } from '@streamerson/testkit';
import { Announcer, Client, Service, type ServiceErrorContext } from '../src/index.js';

let engine: MemoryEngine;
before(() => {
  engine = new MemoryEngine(uniqueName('lc'));
});
after(() => engine.close());

const fast = { blockMs: 20, claimIntervalMs: 50, announce: false } as const;

test('Service follows the lifecycle (draining with handlers in flight: flows.ts and drain-under-load.test.ts)', async () => {
  await checkLifecycle(() => new Service(engine, { name: 'lc', topic: uniqueName('lc'), consumer: 'm1', ...fast }).handle('x', () => 1));
});

test('Client follows the lifecycle; draining waits for the replies in flight', async () => {
  const topic = uniqueName('lc-client');
  const svc = new Service(engine, { name: 'lc-client', topic, consumer: 'm1', ...fast }).handle('slow', async (n: number) => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return n * 2;
  });
  await svc.start();
  await checkLifecycle(() => new Client(engine, { blockMs: 20 }), {
    work: async (c) => {
      const reply = (c as Client).request(topic, 'slow', 21);
      await waitFor(() => (c as Client).stats().inFlight === 1, { what: 'the request in flight' });
      assert.equal(await reply, 42);
    },
  });
  await svc.close();
});

test('Announcer follows the lifecycle; closing announces down', async () => {
  await checkLifecycle(
    () => new Announcer(engine, { kind: 'client', name: 'lc', instanceId: uniqueName('a'), topics: [], types: [], produces: [] }, () => undefined),
  );
  const a = new Announcer(engine, { kind: 'client', name: 'lc', instanceId: uniqueName('a'), topics: [], types: [], produces: [] }, () => undefined);
  await a.start();
  assert.equal(a.stats().running, true);
  await a.close();
  assert.deepEqual(a.stats(), { announced: 2, failed: 0, running: false });
});

test('a failed heartbeat is given to the owner, counted, and tried again by the next one', async () => {
  const own = new MemoryEngine(uniqueName('hb'));
  const failures: unknown[] = [];
  // A heartbeat every 10 ms.
  const a = new Announcer(own, { kind: 'client', name: 'hb', instanceId: uniqueName('a'), topics: [], types: [], produces: [] }, (e) => failures.push(e), 30);
  await a.start();
  await own.close();
  try {
    await waitFor(() => failures.length >= 2, { what: 'two failed heartbeats' });
    assert.equal((failures[0] as { code?: string }).code, 'ERR_STREAMERSON_CLOSED');
    assert.ok(a.stats().failed >= 2);
    assert.equal(a.stats().running, true, 'the heartbeat goes on');
  } finally {
    a.destroy();
  }
});

test('unknown option keys are refused, naming the key and the likely intent', () => {
  assert.throws(() => new Service(engine, { name: 'x', topic: 'x', concurency: 4 } as never), {
    code: 'ERR_STREAMERSON_INVALID_OPTION',
    option: 'concurency',
    message: /did you mean "concurrency"/,
  });
  assert.throws(() => new Client(engine, { timout: 5 } as never), {
    code: 'ERR_STREAMERSON_INVALID_OPTION',
    option: 'timout',
    message: /did you mean "timeout"/,
  });
});

/** An engine whose replies-and-acks writes fail, as during an outage. */
function failingWrites(base: Engine): Engine {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'appendAndAck') return (_items: AppendItem[], _group: string, _acks: StreamAcks[]) => Promise.reject(new Error('connection lost'));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('a failed write is emitted as an error event and logged with the message id; the entry stays pending', async () => {
  const topic = uniqueName('errors');
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const svc = new Service(failingWrites(engine), {
    name: 'errors',
    topic,
    consumer: 'm1',
    ...fast,
    claimIdleMs: 60_000,
    logger: pino({ level: 'error' }, sink),
  }).handle('x', () => 'ok');
  const events: [unknown, ServiceErrorContext][] = [];
  svc.on('error', (err, context) => events.push([err, context]));
  await svc.start();
  const client = new Client(engine, { blockMs: 20 });
  const reply = client.request(topic, 'x', null, { timeout: 300 }).catch((e: unknown) => e);
  await waitFor(() => events.length === 1, { what: 'the error event' });
  const [err, context] = events[0]!;
  assert.equal((err as Error).message, 'connection lost');
  assert.equal(context.op, 'write');
  assert.equal(context.stream, topic);
  assert.equal(context.entryIds?.length, 1);
  await waitFor(() => lines.length === 1, { what: 'the log line' });
  assert.equal(lines[0]!['op'], 'write');
  assert.deepEqual(lines[0]!['entryIds'], context.entryIds);
  assert.equal((lines[0]!['err'] as { message: string }).message, 'connection lost');
  assert.equal(svc.stats().engineErrors, 1);
  assert.equal((await engine.pendingSummary(topic, 'errors')).count, 1, 'nothing acked without its reply');
  assert.equal(((await reply) as { code: string }).code, 'ERR_STREAMERSON_TIMEOUT');
  await client.close();
  await svc.close();
});
