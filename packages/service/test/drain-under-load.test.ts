/**
 * The restart and crash scenarios of the cross-process tests, in process on
 * memory://: two Service instances on one MemoryEngine serve a run of
 * requests while one of them is drained and replaced (nothing lost, nothing
 * run twice) or closed with its handlers aborted (its entries are claimed by
 * the other; no side effect twice).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { MemoryEngine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, Service, type ServiceOptions } from '../src/index.js';
import { countById, workHandler, type WorkLog, type WorkReply } from './side-effects.js';

describe('drain and close under load on memory://', () => {
  let engine: MemoryEngine;
  const closers: (() => Promise<void>)[] = [];
  before(() => {
    engine = new MemoryEngine(uniqueName('load'));
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await engine.close();
  });

  function member(topic: string, consumer: string, work: WorkLog, options: Partial<ServiceOptions>): Service {
    const s = new Service(engine, { name: `svc-${topic}`, topic, consumer, concurrency: 8, blockMs: 50, announce: false, ...options });
    s.handle('work', workHandler(engine, work, consumer));
    closers.push(() => s.close());
    return s;
  }

  /** Sends `total` work requests in batches from two clients; `replied()` counts the replies so far. */
  function send(topic: string, total: number, batch: number, everyMs: number): { replies: Promise<WorkReply[]>; replied(): number; clients: Client[] } {
    const clients = [new Client(engine, { timeout: 30_000, blockMs: 50 }), new Client(engine, { timeout: 30_000, blockMs: 50 })];
    for (const c of clients) closers.push(() => c.close());
    let replied = 0;
    const replies = (async () => {
      const out: Promise<WorkReply>[] = [];
      for (let n = 0; n < total; n += batch) {
        for (let i = n; i < Math.min(total, n + batch); i++) {
          const reply = clients[i % 2]!.request<WorkReply>(topic, 'work', { n: i }).then((r) => {
            replied++;
            return r;
          });
          reply.catch(() => undefined); // awaited below; no unhandled rejection if the test fails first
          out.push(reply);
        }
        await delay(everyMs);
      }
      return Promise.all(out);
    })();
    replies.catch(() => undefined);
    return { replies, replied: () => replied, clients };
  }

  function assertAnswered(replies: readonly WorkReply[], total: number): void {
    assert.equal(replies.length, total);
    replies.forEach((r, i) => {
      assert.equal(r.n, i);
      assert.equal(r.square, i * i);
    });
  }

  test('each member drained and replaced in turn during 1,500 requests: none lost, none run twice', async () => {
    const topic = uniqueName('drain-load');
    const group = `svc-${topic}`;
    const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 10 };
    const options = { claimIdleMs: 5_000, claimIntervalMs: 100 };
    const members = [member(topic, 'a', work, options), member(topic, 'b', work, options)];
    for (const m of members) await m.start();
    const run = send(topic, 1_500, 30, 25);

    await waitFor(() => run.replied() >= 300, { what: 'the run under way' });
    for (let i = 0; i < members.length; i++) {
      const old = members[i]!;
      await waitFor(() => old.stats().inFlight > 0, { intervalMs: 1, what: `${old.config.consumer} busy` });
      const busy = old.stats().inFlight;
      await old.drain();
      assert.ok(busy > 0, `${old.config.consumer} was busy when drained`);
      assert.equal(old.stats().inFlight, 0);
      const summary = await engine.pendingSummary(topic, group);
      assert.equal(summary.consumers.find((c) => c.name === old.config.consumer)?.pending ?? 0, 0, `${old.config.consumer} acked all it held`);
      const fresh = member(topic, old.config.consumer, work, options);
      await fresh.start();
      members[i] = fresh;
      await waitFor(() => fresh.stats().processed > 0, { what: `the replacement ${fresh.config.consumer} serving` });
    }

    const replies = await run.replies;
    assertAnswered(replies, 1_500);
    for (const r of replies) assert.equal(r.deliveries, 1);
    for (const c of run.clients) assert.equal(c.stats().unknownReplies, 0);
    for (const m of members) {
      assert.ok(m.stats().processed > 0, `the replacement ${m.config.consumer} served`);
      assert.equal(m.stats().claimed, 0, 'the drains left nothing to claim');
    }
    const invocations = await countById(engine, work.invocations);
    const ledger = await countById(engine, work.ledger);
    assert.equal(invocations.size, 1_500);
    for (const r of replies) {
      assert.equal(invocations.get(r.key), 1, `invocations of ${r.key}`);
      assert.equal(ledger.get(r.key), 1, `side effects of ${r.key}`);
    }
    await waitFor(async () => (await engine.pendingSummary(topic, group)).count === 0, { what: 'every entry acked' });
  });

  test('a member closed with its handlers aborted during 2,000 requests: the other claims its entries, no side effect twice', async (t) => {
    const topic = uniqueName('close-load');
    const group = `svc-${topic}`;
    const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 10 };
    // Long enough for the survivor to reset the idle time of its own entries through the event-loop stalls of a
    // busy machine (hundreds of ms were seen): otherwise the closed member, while it lived, takes them for abandoned.
    const options = { claimIdleMs: 2_000, claimIntervalMs: 100 };
    const victim = member(topic, 'victim', work, options);
    const survivor = member(topic, 'survivor', work, options);
    // Handlers running on the victim (not entries whose writes are under way: those are acknowledged by the close).
    let running = 0;
    victim.use({
      before: () => {
        running++;
      },
      after: () => {
        running--;
      },
      error: () => {
        running--;
      },
    });
    await Promise.all([victim.start(), survivor.start()]);
    const run = send(topic, 2_000, 100, 20);

    await waitFor(() => run.replied() >= 400 && running > 0, { timeoutMs: 30_000, what: 'the run under way, handlers running on the victim' });
    await victim.close();
    const closedAt = Date.now();
    const held = (await engine.pendingSummary(topic, group)).consumers.find((c) => c.name === 'victim')?.pending ?? 0;
    assert.ok(held > 0, 'the closed member left entries pending');
    await waitFor(async () => ((await engine.pendingSummary(topic, group)).consumers.find((c) => c.name === 'victim')?.pending ?? 0) === 0, {
      timeoutMs: 20_000,
      what: 'the survivor to claim them',
    });
    const reclaimedMs = Date.now() - closedAt;

    const replies = await run.replies;
    assertAnswered(replies, 2_000);
    const ledger = await countById(engine, work.ledger);
    assert.equal(ledger.size, 2_000);
    for (const r of replies) assert.equal(ledger.get(r.key), 1, `side effects of ${r.key}`);
    const invocations = await countById(engine, work.invocations);
    const reinvoked = [...invocations.values()].reduce((a, b) => a + b, 0) - 2_000;
    assert.equal(reinvoked, held, 'each aborted handler ran once more, on the survivor');
    assert.equal(survivor.stats().claimed, held);
    for (const c of run.clients) assert.equal(c.stats().unknownReplies, 0, 'an aborted handler sent no reply');
    t.diagnostic(
      `memory://: the closed member held ${held} entries, claimed ${reclaimedMs} ms later; ${reinvoked} re-invocations, ` +
        `${replies.filter((r) => r.alreadyRecorded).length} found their side effect already recorded`,
    );
  });
});
