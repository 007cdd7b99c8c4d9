/**
 * Outcomes at the edges — deadlines that pass while a handler runs, retries
 * that no longer fit before the deadline, deliveries past the limit, replies
 * that do not decode — one body run against every engine. Each test uses its
 * own topic.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntry, encodeMessage, ProtocolError, TimeoutError, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { DeadLetters, RemoteError, ServiceError } from '../src/index.js';
import type { Fixture } from './flows.js';
import { suiteKit } from './kit.js';

export function outcomeFlows(label: string, setup: () => Promise<Fixture>): void {
  describe(`service outcomes on ${label}`, () => {
    const kit = suiteKit(setup, { announce: false });
    const { service, client } = kit;
    let engine: Engine;
    before(() => {
      engine = kit.engine();
    });

    /** A reply stream read by the test itself, to see a reply exactly as the service wrote it. */
    async function replyStream(): Promise<string> {
      const stream = uniqueName('replies');
      const marker = await engine.append(stream, ['m', '1']);
      await engine.deleteEntries(stream, [marker!]);
      return stream;
    }

    test('a deadline that passes while the handler runs is answered 504 ERR_STREAMERSON_TIMEOUT, as the protocol says', async () => {
      const topic = uniqueName('deadline');
      const svc = service(topic).handle(
        'wait',
        (_p: unknown, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      );
      await svc.start();
      const replyTo = await replyStream();
      const deadline = Date.now() + 150;
      await engine.append(topic, encodeMessage({ id: 'late-1', type: 'wait', replyTo, headers: { deadline: String(deadline) }, payload: null }));
      await waitFor(async () => (await engine.length(replyTo)) === 1, { what: 'the timeout reply' });
      const [entry] = await engine.range(replyTo, '-', '+');
      const reply = decodeEntry(replyTo, entry!);
      assert.ok(!(reply instanceof ProtocolError));
      assert.equal(reply.id, 'late-1');
      assert.equal(reply.headers['status'], '504');
      assert.equal(reply.headers['error'], 'ERR_STREAMERSON_TIMEOUT');
      assert.deepEqual(reply.payload, { code: 'ERR_STREAMERSON_TIMEOUT', message: 'the handler did not finish before the deadline', details: { deadline } });
      assert.equal(svc.stats().timedOut, 1);
      assert.equal(await engine.length(svc.config.deadLetterStream), 0, 'a timeout is not a dead letter');
      await waitFor(async () => (await engine.pendingSummary(topic, svc.config.group)).count === 0, { what: 'acked' });
    });

    test('a timeout reply reaches the caller as a TimeoutError, never as a RemoteError', async () => {
      const topic = uniqueName('timeout-reply');
      const svc = service(topic).handle('give-up', () => {
        throw new ServiceError('upstream did not answer in time', { status: 504, errorCode: 'ERR_STREAMERSON_TIMEOUT' });
      });
      await svc.start();
      const started = performance.now();
      const err = await client()
        .request(topic, 'give-up', null, { timeout: 30_000 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof TimeoutError, `a TimeoutError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_STREAMERSON_TIMEOUT');
      assert.equal(err.timeoutMs, 30_000);
      assert.ok(performance.now() - started < 10_000, 'answered by the service, not by the client timer');
    });

    test('a failure whose next attempt cannot start before the deadline is dead-lettered at once and answered with the failure', async () => {
      const topic = uniqueName('retry-deadline');
      const seen: number[] = [];
      const svc = service(topic, { retryDelayMs: 300, maxRetryDelayMs: 10_000, retryJitter: 0, maxDeliveries: 10 }).handle('flaky', (_p: unknown, ctx) => {
        seen.push(ctx.deliveries);
        throw new Error(`database unavailable (delivery ${ctx.deliveries})`);
      });
      await svc.start();
      // Deliveries at about 0, 300 and 900 ms; the next would be at 2,100 ms, after the deadline.
      const err = await client()
        .request(topic, 'flaky', null, { timeout: 2_000 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof RemoteError, `a RemoteError, got ${String(err)}`);
      assert.equal(err.errorCode, 'ERR_STREAMERSON_DEAD_LETTER');
      assert.equal(err.status, 500);
      assert.match(err.message, /failed 3 deliveries and its deadline leaves no time for another/);
      assert.deepEqual(err.details, { errorCode: 'ERR_STREAMERSON_SERVICE', deliveries: 3 });
      assert.deepEqual(seen, [1, 2, 3]);
      const [letter] = await new DeadLetters(engine, topic).list();
      assert.equal(letter?.meta.errorMessage, 'database unavailable (delivery 3)', "the handler's own failure is in the dead letter");
      assert.equal(letter?.meta.deliveries, 3);
      assert.equal(svc.stats().retried, 2);
      assert.equal(svc.stats().timedOut, 0);
    });

    test('a delivery past maxDeliveries is dead-lettered as poison before its handler runs', async () => {
      const topic = uniqueName('poison');
      const group = `svc-${topic}`;
      await engine.createGroup(topic, group, '0');
      const replyTo = await replyStream();
      const id = await engine.append(
        topic,
        encodeMessage({ id: 'p-1', type: 'boom', replyTo, headers: { deadline: String(Date.now() + 60_000) }, payload: 1 }),
      );
      // A member that dies on every delivery: read once, then claimed twice more, never acked.
      await engine.readGroup(group, 'crasher', [{ stream: topic, after: '>' }], { count: 1 });
      for (let i = 0; i < 2; i++) await engine.claim(topic, group, 'crasher', [id!], { minIdleMs: 0 });
      assert.equal((await engine.pendingRange(topic, group, { count: 1 }))[0]?.deliveries, 3);
      let ran = 0;
      const svc = service(topic, { maxDeliveries: 3, claimIdleMs: 1 }).handle('boom', () => {
        ran++;
        return 'ran';
      });
      await svc.start();
      await waitFor(async () => (await engine.length(svc.config.deadLetterStream)) === 1, { what: 'the poison dead-lettered' });
      const [letter] = await new DeadLetters(engine, topic).list();
      assert.equal(letter?.meta.errorCode, 'ERR_STREAMERSON_POISON');
      assert.equal(letter?.meta.deliveries, 4);
      assert.match(letter!.meta.errorMessage, /delivered 4 times without an outcome \(maxDeliveries 3\)/);
      await waitFor(async () => (await engine.length(replyTo)) === 1, { what: 'the requester answered' });
      const reply = decodeEntry(replyTo, (await engine.range(replyTo, '-', '+'))[0]!);
      assert.ok(!(reply instanceof ProtocolError));
      assert.equal(reply.headers['error'], 'ERR_STREAMERSON_DEAD_LETTER');
      assert.deepEqual((reply.payload as { details: unknown }).details, { errorCode: 'ERR_STREAMERSON_POISON', deliveries: 4 });
      assert.equal(ran, 0, 'the handler never ran');
      await waitFor(async () => (await engine.pendingSummary(topic, group)).count === 0, { what: 'acked' });
    });

    test('a reply that cannot be decoded fails its waiting request at once with the decoding error', async () => {
      const topic = uniqueName('bad-reply');
      const c = client();
      const started = performance.now();
      const pending = c.request(topic, 'x', null, { timeout: 30_000 }).catch((e: unknown) => e);
      await waitFor(async () => (await engine.length(topic)) === 1, { what: 'the request written' });
      const [entry] = await engine.range(topic, '-', '+');
      const request = decodeEntry(topic, entry!);
      assert.ok(!(request instanceof ProtocolError));
      // A worker in another language writes JSON that is not JSON.
      await engine.append(request.replyTo, ['v', '1', 'i', request.id, 'p', '{"total": 4']);
      const err = await pending;
      assert.ok(err instanceof ProtocolError, `a ProtocolError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_STREAMERSON_BAD_PAYLOAD');
      assert.ok(performance.now() - started < 10_000, 'failed at once, not at its timeout');
      assert.equal(c.stats().badReplies, 1);
      assert.equal(c.stats().inFlight, 0);
    });

    test('a replayed request gets a new deadline and runs; replayed as an event it runs without reply; a refused replay keeps its letter', async () => {
      const topic = uniqueName('replay');
      let healthy = false;
      const ran: { deliveries: number; replyTo: string; deadline: number | undefined }[] = [];
      const svc = service(topic, { maxDeliveries: 1 }).handle('job', (_p: unknown, ctx) => {
        if (!healthy) throw new Error('not yet');
        ran.push({ deliveries: ctx.deliveries, replyTo: ctx.message.replyTo, deadline: ctx.deadline });
        return 'done';
      });
      await svc.start();
      const c = client();
      // A short deadline (the test waits for it to pass), long enough for a dead-letter reply on a busy machine.
      const failures = await Promise.all([1, 2, 3].map((n) => c.request(topic, 'job', n, { timeout: 1_500 }).catch((e: unknown) => e)));
      assert.ok(
        failures.every((e) => e instanceof RemoteError && e.errorCode === 'ERR_STREAMERSON_DEAD_LETTER'),
        String(failures),
      );
      const letters = new DeadLetters(engine, topic);
      const [a, b, d] = await letters.list();
      const original = decodeEntry(topic, a!.original);
      assert.ok(!(original instanceof ProtocolError));
      const oldDeadline = Number(original.headers['deadline']);
      await waitFor(() => Date.now() > oldDeadline, { what: 'the old deadlines passed' });
      healthy = true;

      const refusing = new DeadLetters(
        new Proxy(engine, {
          get(target, prop, receiver) {
            if (prop === 'append') return () => Promise.reject(new Error('engine down'));
            const value = Reflect.get(target, prop, receiver) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
        topic,
      );
      const refused = await refusing.replay([a!.id]);
      assert.deepEqual(refused.replayed, []);
      assert.equal(refused.failed[0]?.stage, 'append');
      assert.equal(await letters.count(), 3, 'a letter whose replay was not accepted is kept');

      const started = Date.now();
      const asRequest = await letters.replay([a!.id], { timeoutMs: 60_000 });
      assert.equal(asRequest.replayed.length, 1);
      const asEvent = await letters.replay([b!.id, d!.id], { as: 'event' });
      assert.equal(asEvent.replayed.length, 2);
      await waitFor(() => ran.length === 3, { what: 'the three replays run' });
      const request = ran.find((r) => r.replyTo !== '')!;
      assert.ok(request.deadline! >= started + 60_000, 'a new deadline, a minute from the replay');
      assert.equal(ran.filter((r) => r.replyTo === '' && r.deadline === undefined).length, 2, 'events: no reply-to, no deadline');
      assert.equal(await letters.count(), 0);
    });

    test('a live member whose every slot runs a handler longer than claimIdleMs keeps its entries', async () => {
      const topic = uniqueName('long');
      let runs = 0;
      // Two slots, both held by slow handlers: the member's loop waits for a slot and must still reset their idle time.
      // claimIdleMs leaves room for the event-loop stalls of a busy machine; the handlers run well past it.
      const options = { claimIdleMs: 1_000, claimIntervalMs: 40, concurrency: 2 };
      const slow = async (n: number): Promise<number> => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        return n;
      };
      const a = service(topic, { ...options, consumer: 'a' }).handle('slow', slow);
      await a.start();
      const replies = Promise.all([7, 8].map((n) => client().request(topic, 'slow', n)));
      await waitFor(() => runs === 2, { what: 'both handlers running on a' });
      const b = service(topic, { ...options, consumer: 'b' }).handle('slow', slow);
      await b.start();
      assert.deepEqual(await replies, [7, 8]);
      assert.equal(runs, 2, 'each handler ran once');
      assert.equal(b.stats().claimed, 0, 'the other member claimed nothing');
    });
  });
}
