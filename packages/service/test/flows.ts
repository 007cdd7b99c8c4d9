/**
 * Service and client flows, one body run against every engine (memory:// and
 * Redis). Each test uses its own topic.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntry, encodeMessage, ProtocolError, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, RemoteError, Service, ServiceError, parseDeadLetter, type ServiceOptions } from '../src/index.js';

/** An engine for a suite and how to dispose of it. */
export interface Fixture {
  readonly engine: Engine;
  teardown(): Promise<void>;
}

const fast: Partial<ServiceOptions> = { blockMs: 50, retryDelayMs: 20, maxRetryDelayMs: 40, claimIntervalMs: 50 };

/**
 * One fixture for several suites: set up by the first, torn down after the
 * last of `users` is done (one Redis Cluster per file instead of one per suite).
 */
export function sharedFixture(setup: () => Promise<Fixture>, users: number): () => Promise<Fixture> {
  let fixture: Promise<Fixture> | undefined;
  let left = users;
  return async () => {
    fixture ??= setup();
    const fx = await fixture;
    return {
      engine: fx.engine,
      teardown: async () => {
        if (--left === 0) await fx.teardown();
      },
    };
  };
}

export function serviceFlows(label: string, setup: () => Promise<Fixture>): void {
  describe(`service and client on ${label}`, () => {
    let fx: Fixture;
    const closers: (() => Promise<void>)[] = [];
    before(async () => {
      fx = await setup();
    });
    after(async () => {
      for (const close of closers.reverse()) await close();
      await fx.teardown();
    });

    function service(topic: string, options: Partial<ServiceOptions> = {}): Service {
      const s = new Service(fx.engine, { name: `svc-${topic}`, topic, consumer: 'm1', ...fast, ...options });
      closers.push(() => s.close());
      return s;
    }
    function client(options: ConstructorParameters<typeof Client>[1] = {}): Client {
      const c = new Client(fx.engine, { blockMs: 50, ...options });
      closers.push(() => c.close());
      return c;
    }

    test('request/reply for many types, one-way messages acked without reply', async () => {
      const topic = uniqueName('rr');
      const events: unknown[] = [];
      const svc = service(topic)
        .handle('add', (p: { a: number; b: number }) => p.a + p.b)
        .handle('echo', async (p: unknown, ctx) => ({ p, type: ctx.type, deliveries: ctx.deliveries, hasDeadline: ctx.deadline! > Date.now() }))
        .handle('void', () => undefined)
        .handle('event', (p: unknown) => {
          events.push(p);
        });
      await svc.start();
      const c = client();
      assert.equal(await c.request(topic, 'add', { a: 2, b: 3 }), 5);
      assert.deepEqual(await c.request(topic, 'echo', 'hi'), { p: 'hi', type: 'echo', deliveries: 1, hasDeadline: true });
      assert.equal(await c.request(topic, 'void', {}), null);
      const many = await Promise.all(Array.from({ length: 200 }, (_, i) => c.request(topic, 'add', { a: i, b: 1 })));
      assert.deepEqual(
        many,
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      await c.publish(topic, 'event', { n: 1 });
      await waitFor(() => events.length === 1, { what: 'one-way message handled' });
      await waitFor(async () => (await fx.engine.pendingSummary(topic, svc.config.group)).count === 0, { what: 'everything acked' });
      assert.equal(svc.stats().processed, 204);
      assert.equal(c.stats().inFlight, 0);
    });

    test('requestReply resolves with the payload, its content type and its bytes as written; errors reject as request does', async () => {
      const topic = uniqueName('rr-whole');
      const svc = service(topic)
        .handle('json', (p: unknown) => ({ got: p }))
        .handle('bytes', () => Buffer.from([0, 1, 255]))
        .handle('fail', () => {
          throw new ServiceError('no', { status: 409, errorCode: 'NOPE' });
        });
      await svc.start();
      const c = client();
      const json = await c.requestReply(topic, 'json', 'é');
      assert.deepEqual(json.payload, { got: 'é' });
      assert.equal(json.contentType, 'json');
      assert.deepEqual(json.bytes, Buffer.from(JSON.stringify({ got: 'é' })));
      const bytes = await c.requestReply(topic, 'bytes', null);
      assert.equal(bytes.contentType, 'binary');
      assert.deepEqual(bytes.bytes, Buffer.from([0, 1, 255]));
      assert.deepEqual(bytes.payload, Buffer.from([0, 1, 255]));
      await assert.rejects(c.requestReply(topic, 'fail', null), (err: unknown) => err instanceof RemoteError && err.status === 409 && err.errorCode === 'NOPE');
      assert.equal(c.stats().inFlight, 0);
    });

    test('concurrent clients each receive only their own replies', async () => {
      const topic = uniqueName('two');
      await service(topic, { concurrency: 8 })
        .handle('who', (p: string) => p)
        .start();
      const clients = [client(), client(), client()];
      const results = await Promise.all(clients.map((c, ci) => Promise.all(Array.from({ length: 50 }, (_, i) => c.request(topic, 'who', `${ci}:${i}`)))));
      for (const [ci, r] of results.entries())
        assert.deepEqual(
          r,
          Array.from({ length: 50 }, (_, i) => `${ci}:${i}`),
        );
      for (const c of clients) assert.equal(c.stats().unknownReplies, 0);
    });

    test('a sharded topic: one member serves every shard, requests go round-robin', async () => {
      const topic = uniqueName('shards');
      const svc = service(topic, { shards: 3, concurrency: 4 }).handle('where', (_p: unknown, ctx) => ctx.stream);
      await svc.start();
      const c = client();
      const streams = await Promise.all(Array.from({ length: 30 }, () => c.request<string>(topic, 'where', null, { shards: 3 })));
      assert.deepEqual([...new Set(streams)].sort(), [`${topic}#0`, `${topic}#1`, `${topic}#2`]);
      assert.equal(svc.stats().processed, 30);
    });

    test('two members of one group share the work', async () => {
      const topic = uniqueName('pair');
      const by: string[] = [];
      for (const consumer of ['a', 'b']) {
        await service(topic, { consumer, concurrency: 2 })
          .handle('work', async (n: number) => {
            by.push(consumer);
            await new Promise((resolve) => setTimeout(resolve, 5));
            return n;
          })
          .start();
      }
      const c = client();
      const out = await Promise.all(Array.from({ length: 40 }, (_, i) => c.request(topic, 'work', i)));
      assert.deepEqual(
        out,
        Array.from({ length: 40 }, (_, i) => i),
      );
      assert.ok(by.includes('a') && by.includes('b'), `both members worked: ${by.join('')}`);
    });

    test('service errors and unknown types become typed errors with status and code', async () => {
      const topic = uniqueName('err');
      await service(topic)
        .handle('find', (p: { id: number }) => {
          throw new ServiceError(`order ${p.id} does not exist`, { status: 404, errorCode: 'ORDER_NOT_FOUND', details: { id: p.id } });
        })
        .start();
      const c = client();
      const err = await c.request(topic, 'find', { id: 42 }).catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.code, 'ERR_STREAMERSON_REMOTE');
      assert.equal(err.status, 404);
      assert.equal(err.errorCode, 'ORDER_NOT_FOUND');
      assert.equal(err.message, 'order 42 does not exist');
      assert.deepEqual(err.details, { id: 42 });
      const unknown = await c.request(topic, 'nope', {}).catch((e: unknown) => e);
      assert.ok(unknown instanceof RemoteError);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.errorCode, 'ERR_STREAMERSON_UNKNOWN_TYPE');
    });

    test('timeout, overload and close with requests in flight', async () => {
      const topic = uniqueName('nobody');
      const c = client({ maxInFlight: 3 });
      await assert.rejects(c.request(topic, 'x', 1, { timeout: 50 }), { code: 'ERR_STREAMERSON_TIMEOUT' });
      assert.equal(c.stats().timeouts, 1);
      const waiting = [1, 2, 3].map((n) => c.request(topic, 'x', n).catch((e: unknown) => e));
      await waitFor(() => c.stats().inFlight === 3, { what: 'three in flight' });
      await assert.rejects(c.request(topic, 'x', 4), { code: 'ERR_STREAMERSON_OVERLOAD' });
      await c.close();
      for (const err of await Promise.all(waiting)) assert.equal((err as { code?: string }).code, 'ERR_STREAMERSON_CLOSED');
      assert.equal(c.stats().inFlight, 0);
      assert.equal(await fx.engine.length(c.replyStream), 0);
      assert.equal(await fx.engine.info(c.replyStream), null, 'reply stream deleted on close');
      await assert.rejects(c.request(topic, 'x', 6), { code: 'ERR_STREAMERSON_CLOSED' });
    });

    test('abort signal rejects the request', async () => {
      const c = client();
      const aborter = new AbortController();
      const req = c.request(uniqueName('abort'), 'x', 1, { signal: aborter.signal });
      await waitFor(() => c.stats().inFlight === 1);
      aborter.abort();
      await assert.rejects(req, { code: 'ERR_STREAMERSON_ABORTED' });
      assert.equal(c.stats().inFlight, 0);
    });

    test('a retryable failure comes back after a backoff, then succeeds', async () => {
      const topic = uniqueName('retry');
      const seen: number[] = [];
      const svc = service(topic).handle('flaky', (_p: unknown, ctx) => {
        seen.push(ctx.deliveries);
        if (ctx.deliveries === 1) throw new Error('boom');
        if (ctx.deliveries === 2) throw new ServiceError('busy', { status: 503, retryable: true });
        return 'ok';
      });
      await svc.start();
      assert.equal(await client().request(topic, 'flaky', {}), 'ok');
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(svc.stats().retried, 2);
      await waitFor(async () => (await fx.engine.pendingSummary(topic, svc.config.group)).count === 0, { what: 'acked' });
    });

    test('retries exhausted: dead letter with metadata, error reply to the requester', async () => {
      const topic = uniqueName('dead');
      const svc = service(topic, { maxDeliveries: 3 }).handle('fail', () => {
        throw new Error('always');
      });
      await svc.start();
      const err = await client()
        .request(topic, 'fail', { x: 1 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.errorCode, 'ERR_STREAMERSON_DEAD_LETTER');
      assert.equal(err.status, 500);
      const dlq = await fx.engine.range(svc.config.deadLetterStream, '-', '+');
      assert.equal(dlq.length, 1);
      const letter = parseDeadLetter(dlq[0]!);
      assert.ok(letter);
      assert.equal(letter.meta.deliveries, 3);
      assert.equal(letter.meta.errorCode, 'ERR_STREAMERSON_SERVICE');
      assert.equal(letter.meta.errorMessage, 'always');
      assert.equal(letter.meta.stream, topic);
      assert.equal(letter.meta.consumer, 'm1');
      assert.ok(letter.meta.firstFailedAt < letter.meta.failedAt, 'first and last failure of three deliveries');
      const original = decodeEntry(topic, letter.original);
      assert.ok(!(original instanceof ProtocolError));
      assert.deepEqual(original.payload, { x: 1 });
      assert.equal(letter.original.fields.at(-1)!.toString(), '{"x":1}');
      assert.equal((await fx.engine.pendingSummary(topic, svc.config.group)).count, 0);
    });

    test('entries that are not messages go to the dead-letter stream without stopping the loop', async () => {
      const topic = uniqueName('poison');
      const svc = service(topic).handle('ok', () => 'fine');
      await svc.start();
      await fx.engine.append(topic, ['foo', 'bar']);
      await fx.engine.append(topic, ['v', '9', 'x', 'y']);
      assert.equal(await client().request(topic, 'ok', {}), 'fine');
      await waitFor(() => svc.stats().badEntries === 2, { what: 'two bad entries' });
      await waitFor(async () => (await fx.engine.length(svc.config.deadLetterStream)) === 2, { what: 'two dead letters' });
      const letters = (await fx.engine.range(svc.config.deadLetterStream, '-', '+')).map((e) => parseDeadLetter(e)!.meta.errorCode);
      assert.deepEqual(letters, ['ERR_STREAMERSON_BAD_ENTRY', 'ERR_STREAMERSON_UNSUPPORTED_VERSION']);
      await waitFor(async () => (await fx.engine.pendingSummary(topic, svc.config.group)).count === 0, { what: 'acked' });
    });

    test('crash recovery: entries pending on a dead member are claimed by a live one, one at a time, each alone', async () => {
      const topic = uniqueName('crash');
      const group = `svc-${topic}`;
      await fx.engine.createGroup(topic, group, '0');
      const c = client();
      const replies = Promise.all([3, 4, 5].map((n) => c.request(topic, 'sq', n)));
      await waitFor(() => c.stats().requests === 3);
      await waitFor(async () => (await fx.engine.length(topic)) === 3, { what: 'requests appended' });
      // The dead member reads and never acks.
      const read = await fx.engine.readGroup(group, 'dead', [{ stream: topic, after: '>' }], { count: 10 });
      assert.equal(read[0]?.entries.length, 3);
      const deliveries: number[] = [];
      let running = 0;
      let mostAtOnce = 0;
      const svc = service(topic, { claimIdleMs: 100, concurrency: 4 }).handle('sq', async (n: number, ctx) => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        deliveries.push(ctx.deliveries);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return n * n;
      });
      await svc.start();
      assert.deepEqual(await replies, [9, 16, 25]);
      assert.deepEqual(deliveries, [2, 2, 2]);
      assert.equal(mostAtOnce, 1, 'suspects run alone, though the member has four slots');
      assert.equal(svc.stats().claimed, 3);
      await waitFor(async () => (await fx.engine.pendingSummary(topic, group)).count === 0, { what: 'acked' });
    });

    test('a handler that hangs does not stop a member waiting to be idle for its suspects: it reads again after claimIdleMs', async () => {
      const topic = uniqueName('hung');
      const group = `svc-${topic}`;
      await fx.engine.createGroup(topic, group, '0');
      // An earlier run of m1 took two events and died: its backlog, the suspects, the first of which hangs.
      await fx.engine.append(topic, encodeMessage({ type: 'hang', payload: null }));
      await fx.engine.append(topic, encodeMessage({ type: 'sq', payload: 2 }));
      await fx.engine.readGroup(group, 'm1', [{ stream: topic, after: '>' }], { count: 10 });
      let release!: () => void;
      const hanging = new Promise<void>((resolve) => {
        release = resolve;
      });
      let hung = 0;
      const squared: number[] = [];
      const svc = service(topic, { claimIdleMs: 300, concurrency: 4 })
        .handle('hang', async () => {
          hung++;
          await hanging;
        })
        .handle('sq', (n: number) => {
          squared.push(n);
          return n * n;
        });
      await svc.start();
      await waitFor(() => hung === 1, { what: 'the first suspect hanging, alone' });
      // The member waits to be idle for the second suspect, then puts it off and reads new entries.
      assert.equal(await client().request(topic, 'sq', 3, { timeout: 10_000 }), 9, 'a new request answered while the handler hangs');
      assert.deepEqual(squared, [3]);
      release();
      await waitFor(() => squared.length === 2, { what: 'the suspect put off runs once the member is idle' });
      await waitFor(async () => (await fx.engine.pendingSummary(topic, group)).count === 0, { what: 'acked' });
    });

    test('expired requests are acked and counted, not processed', async () => {
      const topic = uniqueName('late');
      let ran = 0;
      const svc = service(topic).handle('slow', () => {
        ran++;
        return 1;
      });
      await svc.start();
      await fx.engine.append(
        topic,
        encodeMessage({ id: 'r1', type: 'slow', replyTo: uniqueName('nobody'), headers: { deadline: String(Date.now() - 1) }, payload: {} }),
      );
      await waitFor(() => svc.stats().expired === 1, { what: 'expired counted' });
      await waitFor(async () => (await fx.engine.pendingSummary(topic, svc.config.group)).count === 0, { what: 'acked' });
      assert.equal(ran, 0);
    });

    test('drain finishes in-flight requests, replies and acks, then stops reading', async () => {
      const topic = uniqueName('drain');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started = 0;
      const svc = service(topic).handle('wait', async (n: number) => {
        started++;
        await gate;
        return n;
      });
      await svc.start();
      const c = client();
      const replies = Promise.all([c.request(topic, 'wait', 1), c.request(topic, 'wait', 2)]);
      await waitFor(() => started === 2, { what: 'two handlers running' });
      let drained = false;
      const draining = svc.drain().then(() => {
        drained = true;
      });
      await waitFor(() => svc.stats().inFlight === 2);
      assert.equal(drained, false);
      release();
      assert.deepEqual(await replies, [1, 2]);
      await draining;
      assert.equal((await fx.engine.pendingSummary(topic, svc.config.group)).count, 0);
      const late = c.request(topic, 'wait', 3, { timeout: 150 });
      await assert.rejects(late, { code: 'ERR_STREAMERSON_TIMEOUT' });
      assert.equal(started, 2, 'a drained service reads nothing more');
      await assert.rejects(svc.start(), { code: 'ERR_STREAMERSON_CLOSED' });
    });

    test('a handler aborted by close leaves its entry pending for another member', async () => {
      const topic = uniqueName('close');
      let aborted = false;
      const svc = service(topic).handle(
        'long',
        (_p: unknown, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              reject(ctx.signal.reason);
            });
          }),
      );
      await svc.start();
      await client().publish(topic, 'long', {});
      await waitFor(() => svc.stats().inFlight === 1);
      await svc.close();
      assert.equal(aborted, true);
      assert.equal((await fx.engine.pendingSummary(topic, svc.config.group)).count, 1);
    });
  });
}
