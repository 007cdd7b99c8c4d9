/**
 * Service features beyond plain request/reply — schemas, hooks, logging,
 * idempotency, own backlog, registry, dead-letter API — one body run against
 * every engine. Each test uses its own topic.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { encodeMessage, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { DeadLetters, RemoteError, ServiceError, listInstances } from '../src/index.js';
import type { Fixture } from './flows.js';
import { suiteKit } from './kit.js';

export function featureFlows(label: string, setup: () => Promise<Fixture>): void {
  describe(`service features on ${label}`, () => {
    const kit = suiteKit(setup, { announce: false });
    const { service, client } = kit;
    let engine: Engine;
    before(() => {
      engine = kit.engine();
    });

    test('a payload that fails its schema gets a 400 with the problems; the handler does not run', async () => {
      const topic = uniqueName('schema');
      let ran = 0;
      const Order = Type.Object({ sku: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) });
      const svc = service(topic).handle(
        'order',
        (p: { sku: string; qty: number }) => {
          ran++;
          return p.qty * 2;
        },
        { schema: Order },
      );
      await svc.start();
      const c = client();
      assert.equal(await c.request(topic, 'order', { sku: 'kettle', qty: 2 }), 4);
      const err = await c.request(topic, 'order', { sku: '', qty: 0 }).catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.status, 400);
      assert.equal(err.errorCode, 'ERR_STREAMERSON_INVALID_PAYLOAD');
      const problems = (err.details as { problems: { path: string }[] }).problems.map((p) => p.path).sort();
      assert.deepEqual(problems, ['/qty', '/sku']);
      assert.equal(ran, 1);
      assert.equal(svc.stats().invalid, 1);
      assert.throws(() => service(uniqueName('bad')).handle('x', () => 1, { schema: { type: 'nonsense' } }), {
        code: 'ERR_STREAMERSON_INVALID_OPTION',
        option: 'x.schema',
      });
    });

    test('hooks run around handlers: before may refuse, after and error observe', async () => {
      const topic = uniqueName('hooks');
      const seen: string[] = [];
      const svc = service(topic)
        .use({
          before: (_p, ctx) => {
            seen.push(`before:${ctx.type}`);
            if (ctx.headers['user'] !== 'ada') throw new ServiceError('who are you?', { status: 403, errorCode: 'FORBIDDEN' });
          },
          after: (result, ctx) => {
            seen.push(`after:${ctx.type}:${String(result)}`);
          },
          error: (err, ctx) => {
            seen.push(`error:${ctx.type}:${(err as Error).message}`);
          },
        })
        .use({
          after: () => {
            throw new Error('an observer that fails changes nothing');
          },
        })
        .handle('hello', (name: string) => `hi ${name}`);
      await svc.start();
      const c = client();
      assert.equal(await c.request(topic, 'hello', 'ada', { headers: { user: 'ada' } }), 'hi ada');
      const refused = await c.request(topic, 'hello', 'eve', { headers: { user: 'eve' } }).catch((e: unknown) => e);
      assert.ok(refused instanceof RemoteError);
      assert.equal(refused.status, 403);
      assert.equal(refused.errorCode, 'FORBIDDEN');
      assert.deepEqual(seen, ['before:hello', 'after:hello:hi ada', 'before:hello', 'error:hello:who are you?']);
    });

    test('handlers log through a child logger bound to the message', async () => {
      const topic = uniqueName('log');
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      });
      const svc = service(topic, { logger: pino({ level: 'info' }, sink) }).handle('work', (_p: unknown, ctx) => {
        ctx.log.info({ step: 1 }, 'working');
        return ctx.idempotencyKey;
      });
      await svc.start();
      const key = await client().request<string>(topic, 'work', null, { idempotencyKey: 'order-7' });
      assert.equal(key, 'order-7');
      await waitFor(() => lines.length === 1, { what: 'one log line' });
      assert.equal(lines[0]!['msg'], 'working');
      assert.equal(lines[0]!['type'], 'work');
      assert.equal(lines[0]!['step'], 1);
      assert.match(String(lines[0]!['messageId']), /.+/);
    });

    test('idempotency: a request repeated with the same key is answered from the stored reply', async () => {
      const topic = uniqueName('idem');
      let runs = 0;
      const svc = service(topic, { idempotencyTtlMs: 60_000, concurrency: 4 })
        .handle('charge', (p: { amount: number }) => {
          runs++;
          return { charged: p.amount, run: runs };
        })
        .handle('refuse', () => {
          runs++;
          throw new ServiceError('card declined', { status: 402, errorCode: 'DECLINED' });
        });
      await svc.start();
      const c = client();
      const first = await c.request(topic, 'charge', { amount: 5 }, { idempotencyKey: 'pay-1' });
      const again = await c.request(topic, 'charge', { amount: 5 }, { idempotencyKey: 'pay-1' });
      const other = await c.request(topic, 'charge', { amount: 7 }, { idempotencyKey: 'pay-2' });
      assert.deepEqual(first, { charged: 5, run: 1 });
      assert.deepEqual(again, first, 'the stored reply, not a second run');
      assert.deepEqual(other, { charged: 7, run: 2 });
      const e1 = await c.request(topic, 'refuse', {}, { idempotencyKey: 'pay-3' }).catch((e: unknown) => e);
      const e2 = await c.request(topic, 'refuse', {}, { idempotencyKey: 'pay-3' }).catch((e: unknown) => e);
      assert.ok(e1 instanceof RemoteError && e2 instanceof RemoteError);
      assert.equal(e2.errorCode, 'DECLINED');
      assert.equal(e2.status, 402);
      assert.equal(runs, 3);
      assert.equal(svc.stats().replayed, 2);
    });

    test('a restarted member runs its own pending entries first, without waiting for the claim idle time', async () => {
      const topic = uniqueName('backlog');
      const group = `svc-${topic}`;
      await engine.createGroup(topic, group, '0');
      for (let i = 0; i < 5; i++) await engine.append(topic, encodeMessage({ type: 'n', payload: i }));
      const read = await engine.readGroup(group, 'm1', [{ stream: topic, after: '>' }], { count: 10 });
      assert.equal(read[0]?.entries.length, 5, 'the earlier run of m1 took five entries and died');
      const got: [number, number][] = [];
      const svc = service(topic, { claimIdleMs: 600_000, concurrency: 2 }).handle('n', (n: number, ctx) => {
        got.push([n, ctx.deliveries]);
      });
      await svc.start();
      await waitFor(() => got.length === 5, { what: 'the backlog processed', timeoutMs: 5_000 });
      assert.deepEqual(got.map(([n]) => n).sort(), [0, 1, 2, 3, 4]);
      assert.ok(
        got.every(([, d]) => d === 2),
        'second delivery of each',
      );
      await waitFor(async () => (await engine.pendingSummary(topic, group)).count === 0, { what: 'acked' });
    });

    test('on start, silent members without pending entries are pruned; members with pending entries stay', async () => {
      const topic = uniqueName('prune');
      const group = `svc-${topic}`;
      await engine.createGroup(topic, group, '0');
      // A member exists once it was delivered something (Redis 7.0 creates none on an empty read).
      await engine.append(topic, encodeMessage({ type: 'x', payload: 0 }));
      const [taken] = await engine.readGroup(group, 'ghost', [{ stream: topic, after: '>' }], { count: 1 });
      await engine.ack(topic, group, [taken!.entries[0]!.id]);
      await engine.append(topic, encodeMessage({ type: 'x', payload: 1 }));
      await engine.readGroup(group, 'owner', [{ stream: topic, after: '>' }], { count: 1 });
      const ghostIdle = async (): Promise<number> => (await engine.info(topic))!.groups[0]!.consumers.find((c) => c.name === 'ghost')!.idleMs;
      await waitFor(async () => (await ghostIdle()) > 20, { what: 'the ghost silent for longer than pruneConsumersIdleMs' });
      const svc = service(topic, { pruneConsumersIdleMs: 20, claimIdleMs: 600_000 }).handle('x', () => 1);
      await svc.start();
      const members = (await engine.info(topic))!.groups[0]!.consumers.map((c) => c.name);
      assert.ok(members.includes('owner'), 'a member with a pending entry stays');
      assert.ok(!members.includes('ghost'), 'a silent member without pending entries is gone');
      assert.equal(svc.stats().pruned, 1);
    });

    test('drainOnSignals drains on the signal and calls back once', async () => {
      const topic = uniqueName('signal');
      const svc = service(topic).handle('x', () => 1);
      await svc.start();
      let drained = 0;
      const remove = svc.drainOnSignals(['SIGUSR2'], () => {
        drained++;
      });
      assert.equal(process.listenerCount('SIGUSR2'), 1);
      process.emit('SIGUSR2', 'SIGUSR2');
      await waitFor(() => drained === 1, { what: 'drained after the signal' });
      assert.equal(process.listenerCount('SIGUSR2'), 0, 'handlers removed after the first signal');
      await assert.rejects(svc.start(), { code: 'ERR_STREAMERSON_CLOSED' });
      remove();
    });

    test('the registry lists a running service with its types, and not after it stopped', async () => {
      const topic = uniqueName('reg');
      const svc = service(topic, { announce: true, registryTtlMs: 3_000, produces: ['audit'] })
        .handle('a', () => 1)
        .handle('b', () => 2);
      await svc.start();
      const online = (await listInstances(engine)).filter((i) => i.instanceId === svc.instanceId);
      assert.equal(online.length, 1);
      assert.equal(online[0]!.kind, 'service');
      assert.equal(online[0]!.name, `svc-${topic}`);
      assert.deepEqual(online[0]!.topics, [topic]);
      assert.deepEqual(online[0]!.types, ['a', 'b']);
      assert.deepEqual(online[0]!.produces, ['audit']);
      assert.equal(online[0]!.group, svc.config.group, 'the consumer group it reads in');
      assert.equal(online[0]!.consumer, svc.config.consumer, 'and its consumer name there');
      assert.equal(online[0]!.pid, process.pid);
      await svc.close();
      assert.equal((await listInstances(engine)).filter((i) => i.instanceId === svc.instanceId).length, 0);
      const all = (await listInstances(engine, { all: true })).filter((i) => i.instanceId === svc.instanceId);
      assert.equal(all[0]?.state, 'down');
      assert.equal((await listInstances(engine, { now: Date.now() + 60_000 })).length, 0, 'silent instances expire');
    });

    test('dead letters can be listed, inspected, replayed and purged', async () => {
      const topic = uniqueName('dlq');
      let healthy = false;
      const done: number[] = [];
      const svc = service(topic, { maxDeliveries: 1 }).handle('job', (n: number) => {
        if (!healthy) throw new Error(`job ${n} failed`);
        done.push(n);
      });
      await svc.start();
      const c = client();
      await c.publishBatch(
        topic,
        [1, 2, 3].map((n) => ({ type: 'job', payload: n })),
      );
      const letters = new DeadLetters(engine, topic);
      await waitFor(async () => (await letters.count()) === 3, { what: 'three dead letters' });
      const list = await letters.list();
      assert.deepEqual(
        list.map((l) => l.meta.errorMessage),
        ['job 1 failed', 'job 2 failed', 'job 3 failed'],
      );
      assert.equal((await letters.list({ count: 1, after: list[0]!.id }))[0]?.id, list[1]!.id);
      assert.equal((await letters.get(list[2]!.id))?.meta.deliveries, 1);
      healthy = true;
      const replay = await letters.replay([list[0]!.id, list[1]!.id, '1-1']);
      assert.equal(replay.replayed.length, 2);
      assert.deepEqual(replay.missing, ['1-1']);
      await waitFor(() => done.length === 2, { what: 'replayed jobs done' });
      assert.deepEqual(done.sort(), [1, 2]);
      assert.equal(await letters.purge(), 1);
      assert.equal(await letters.count(), 0);
      await assert.rejects(letters.list({ count: 0 }), { code: 'ERR_STREAMERSON_INVALID_OPTION' });
    });

    test("requests and publishes a handler makes through its context carry the message's trace context", async () => {
      const [front, back, audit] = [uniqueName('front'), uniqueName('back'), uniqueName('audit')];
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const seen: Record<string, string | undefined>[] = [];
      await service(back)
        .handle('price', (p: { sku: string }, ctx) => ({ sku: p.sku, traceparent: ctx.headers['traceparent'], tracestate: ctx.headers['tracestate'] }))
        .start();
      await service(audit)
        .handle('priced', (_p: unknown, ctx) => {
          seen.push({ traceparent: ctx.headers['traceparent'], own: ctx.headers['x-own'] });
        })
        .start();
      await service(front)
        .handle('quote', async (p: { sku: string }, ctx) => {
          const price = await ctx.request<{ traceparent: string; tracestate: string }>(back, 'price', p);
          await ctx.publish(audit, 'priced', p, { headers: { 'x-own': 'kept' } });
          return price;
        })
        .start();
      const reply = await client().request(front, 'quote', { sku: 'kettle' }, { headers: { traceparent, tracestate: 'vendor=abc' } });
      assert.deepEqual(reply, { sku: 'kettle', traceparent, tracestate: 'vendor=abc' });
      await waitFor(() => seen.length === 1, { what: 'the published message handled' });
      assert.deepEqual(seen[0], { traceparent, own: 'kept' });
    });
  });
}
