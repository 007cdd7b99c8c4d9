/**
 * Rolling restart with drain() across processes on Redis: while requests
 * flow, each of the two worker processes in turn gets SIGTERM (it drains:
 * stops reading, finishes, replies to and acks what it holds, exits 0) and is
 * replaced by a new process with the same consumer name. No request is lost
 * and no handler runs twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { Client, type ServiceStats } from '../src/index.js';
import { countById, type WorkReply } from './side-effects.js';
import { killWorkers, startWorker, type WorkerProcess } from './workers.js';

const REQUESTS = 1_500;
const BATCH = 40;
const BATCH_EVERY_MS = 50;

describe('rolling restart with drain() across processes on Redis', () => {
  let server: RedisServer;
  let engine: Engine;
  const clients: Client[] = [];
  before(async () => {
    server = await startRedis();
    engine = await connect(server.url);
  });
  after(async () => {
    await killWorkers();
    for (const c of clients) await c.close();
    await engine.close();
    await server.stop();
  });

  test(`each worker drained and replaced in turn during ${REQUESTS} requests: none lost, none run twice`, async (t) => {
    const topic = uniqueName('rolling');
    const name = `svc-${topic}`;
    const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 20 };
    // Claims only for entries idle 5 s: nothing a drain leaves behind may need one.
    const config = (consumer: string) => ({
      url: server.url,
      consumer,
      services: [{ name, topic }],
      work,
      options: { concurrency: 8, blockMs: 100, claimIdleMs: 5_000, claimIntervalMs: 200 },
    });
    const members: WorkerProcess[] = await Promise.all(['a', 'b'].map((consumer) => startWorker(config(consumer))));
    for (let i = 0; i < 2; i++) clients.push(new Client(engine, { timeout: 30_000, blockMs: 100 }));

    // Requests keep coming in batches, faster than one member alone serves them.
    const started = Date.now();
    let replied = 0;
    const sending = (async () => {
      const out: Promise<WorkReply>[] = [];
      for (let n = 0; n < REQUESTS; n += BATCH) {
        for (let i = n; i < Math.min(REQUESTS, n + BATCH); i++) {
          const reply = clients[i % 2]!.request<WorkReply>(topic, 'work', { n: i }).then((r) => {
            replied++;
            return r;
          });
          reply.catch(() => undefined); // awaited below; no unhandled rejection if the test fails first
          out.push(reply);
        }
        await delay(BATCH_EVERY_MS);
      }
      return out;
    })();
    sending.catch(() => undefined);

    await waitFor(() => replied >= 300, { timeoutMs: 10_000, what: 'the run under way' });
    const restarts: string[] = [];
    for (let m = 0; m < members.length; m++) {
      const old = members[m]!;
      // Stop it while it holds entries, so that the drain has work to finish.
      await waitFor(async () => ((await engine.pendingSummary(topic, name)).consumers.find((c) => c.name === old.consumer)?.pending ?? 0) > 0, {
        intervalMs: 2,
        what: `${old.consumer} holding entries`,
      });
      const exit = await old.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, `worker ${old.consumer} exits 0 after its drain: ${old.stderr()}`);
      const drained = old.events.find((e) => e.event === 'drained');
      assert.ok(drained?.event === 'drained');
      const summary = await engine.pendingSummary(topic, name);
      assert.equal(summary.consumers.find((c) => c.name === old.consumer)?.pending ?? 0, 0, `${old.consumer} acked all it held`);
      const fresh = await startWorker(config(old.consumer));
      members[m] = fresh;
      restarts.push(`${old.consumer}: ${drained.inFlightAtSignal[name]} in flight at SIGTERM, ${(drained.stats[name] as ServiceStats).processed} processed`);
      assert.ok(drained.inFlightAtSignal[name]! > 0, `${old.consumer} was busy when told to stop`);
    }

    const replies = await Promise.all(await sending);
    const elapsed = Date.now() - started;

    // None lost: every request answered, correctly, once.
    assert.equal(replies.length, REQUESTS);
    replies.forEach((r, i) => {
      assert.equal(r.n, i);
      assert.equal(r.square, i * i);
      assert.equal(r.deliveries, 1, `request ${i} was delivered once`);
    });
    for (const c of clients) {
      assert.equal(c.stats().replies, REQUESTS / 2);
      assert.equal(c.stats().unknownReplies, 0, 'no second reply to any request');
      assert.equal(c.stats().timeouts, 0);
    }
    assert.equal(new Set(replies.map((r) => r.pid)).size, 4, 'both generations of both members served');

    // None run twice: one invocation and one side effect per request.
    const invocations = await countById(engine, work.invocations);
    const ledger = await countById(engine, work.ledger);
    assert.equal(invocations.size, REQUESTS);
    assert.equal(ledger.size, REQUESTS);
    for (const r of replies) {
      assert.equal(invocations.get(r.key), 1, `invocations of ${r.key}`);
      assert.equal(ledger.get(r.key), 1, `side effects of ${r.key}`);
    }

    await waitFor(async () => (await engine.pendingSummary(topic, name)).count === 0, { what: 'every entry acked' });
    for (const w of members) {
      assert.deepEqual(await w.stop(), { code: 0, signal: null });
      const drained = w.events.find((e) => e.event === 'drained');
      assert.ok(drained?.event === 'drained');
      assert.equal((drained.stats[name] as ServiceStats).claimed, 0, `${w.consumer} had nothing to claim: the drains left nothing pending`);
    }
    t.diagnostic(`${REQUESTS} requests in ${elapsed} ms through two rolling restarts (${restarts.join('; ')}); 0 lost, 0 run twice`);
  });
});
