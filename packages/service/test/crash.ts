/**
 * Crash recovery across processes, one body for standalone Redis and Redis
 * Cluster: two worker processes of one group serve a run of requests; one is
 * SIGKILLed while it holds pending entries; the other claims them after
 * `claimIdleMs` and every request gets its one correct reply. The handler
 * records its side effect idempotently in a ledger and counts its raw
 * invocations, so that re-invocations after the crash are measured and a
 * duplicated side effect is caught. With the service's idempotency on, a
 * request whose reply was stored but whose ack was lost is answered from the
 * store without running the handler again.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { topicStreams, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, type ServiceStats } from '../src/index.js';
import { countById, field, type WorkReply } from './side-effects.js';
import { killWorkers, startWorker, type WorkerProcess } from './workers.js';

/** A Redis deployment for a suite and how to dispose of it. */
export interface ProcessFixture {
  readonly url: string;
  /** The test process's own engine on the same deployment. */
  readonly engine: Engine;
  teardown(): Promise<void>;
}

const REQUESTS = 2_000;
const CLIENTS = 4;
/** Replies received before the kill: the run is well under way. */
const KILL_AFTER_REPLIES = 400;
/**
 * Well above the event-loop stalls of a busy machine (hundreds of ms were seen): a live member resets the idle time of
 * its entries at half of it, and a shorter one lets the members take each other's live entries for abandoned.
 */
const CLAIM = { claimIdleMs: 2_000, claimIntervalMs: 200 } as const;
const IDEMPOTENCY_TTL_MS = 60_000;

/** The stats a worker printed when it drained, for one of its services. */
function drainedStats(worker: WorkerProcess, service: string): ServiceStats {
  const drained = worker.events.find((e) => e.event === 'drained');
  assert.ok(drained?.event === 'drained', `worker ${worker.consumer} reported its stats`);
  return drained.stats[service] as ServiceStats;
}

export function crashRecovery(label: string, shards: number, setup: () => Promise<ProcessFixture>): void {
  describe(`crash recovery across processes on ${label}`, () => {
    let fx: ProcessFixture;
    const clients: Client[] = [];
    before(async () => {
      fx = await setup();
    });
    after(async () => {
      await killWorkers();
      for (const c of clients) await c.close();
      await fx.teardown();
    });

    function client(): Client {
      const c = new Client(fx.engine, { timeout: 30_000, blockMs: 100 });
      clients.push(c);
      return c;
    }

    /** Pending entries per consumer, summed over the topic's shards. */
    async function pendingOf(topic: string, group: string): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const stream of topicStreams(topic, shards)) {
        for (const { name, pending } of (await fx.engine.pendingSummary(stream, group)).consumers) out.set(name, (out.get(name) ?? 0) + pending);
      }
      return out;
    }

    async function crashRun(t: TestContext, idempotency: boolean): Promise<void> {
      const topic = uniqueName('crash');
      const name = `svc-${topic}`;
      const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 10 };
      const options = { concurrency: 16, blockMs: 100, ...CLAIM, ...(idempotency ? { idempotencyTtlMs: IDEMPOTENCY_TTL_MS } : {}) };
      const services = [{ name, topic, shards }];
      const [victim, survivor] = await Promise.all(['victim', 'survivor'].map((consumer) => startWorker({ url: fx.url, consumer, services, options, work })));

      const runClients = Array.from({ length: CLIENTS }, () => client());
      let replied = 0;
      const started = Date.now();
      const runs = runClients.map((c, ci) =>
        Promise.all(
          Array.from({ length: REQUESTS / CLIENTS }, (_, i) =>
            c.request<WorkReply>(topic, 'work', { n: ci * (REQUESTS / CLIENTS) + i }, { shards }).then((r) => {
              replied++;
              return r;
            }),
          ),
        ),
      );
      // Awaited below; marked handled so that a failure before that leaves no unhandled rejection behind.
      for (const run of runs) run.catch(() => undefined);

      // Kill only once the victim provably holds entries, well into the run.
      await waitFor(async () => replied >= KILL_AFTER_REPLIES && ((await pendingOf(topic, name)).get('victim') ?? 0) > 0, {
        timeoutMs: 20_000,
        intervalMs: 5,
        what: 'the run under way with entries pending on the victim',
      });
      const exit = await victim!.kill();
      const killedAt = Date.now();
      assert.equal(exit.signal, 'SIGKILL');
      const held = (await pendingOf(topic, name)).get('victim') ?? 0;
      assert.ok(held > 0, 'the killed member held pending entries');

      await waitFor(async () => ((await pendingOf(topic, name)).get('victim') ?? 0) === 0, {
        timeoutMs: 15_000,
        intervalMs: 10,
        what: 'the survivor to claim the entries of the killed member',
      });
      const reclaimedMs = Date.now() - killedAt;
      const replies = (await Promise.all(runs)).flat();
      const allAnsweredMs = Date.now() - killedAt;

      // Every request got exactly its own, correct reply.
      assert.equal(replies.length, REQUESTS);
      replies.forEach((r, i) => {
        assert.equal(r.n, i);
        assert.equal(r.square, i * i);
      });
      const ids = new Set(replies.map((r) => r.id));
      assert.equal(ids.size, REQUESTS);
      for (const c of runClients) {
        assert.equal(c.stats().replies, REQUESTS / CLIENTS);
        assert.equal(c.stats().timeouts, 0);
        assert.equal(c.stats().inFlight, 0);
      }

      // No side effect twice: exactly one ledger entry per request.
      const ledger = await countById(fx.engine, work.ledger);
      assert.equal(ledger.size, REQUESTS);
      for (const id of ids) assert.equal(ledger.get(id), 1, `ledger entries of ${id}`);

      // Re-invocations only for entries the victim held; each of those the
      // survivor processed once: by running the handler again (delivery 2), or,
      // with idempotency on, by sending the reply the victim had stored.
      const invocations = await countById(fx.engine, work.invocations);
      let total = 0;
      for (const id of ids) {
        const n = invocations.get(id) ?? 0;
        assert.ok(n >= 1 && n <= 2, `invocations of ${id}: ${n}`);
        total += n;
      }
      const reinvoked = total - REQUESTS;
      const reruns = (await fx.engine.range(work.invocations, '-', '+')).filter((e) => field(e, 'deliveries') !== '1');
      assert.ok(reruns.every((e) => field(e, 'by') === 'survivor'));
      assert.ok(reinvoked <= reruns.length, `re-invocations ${reinvoked} <= reruns ${reruns.length}`);
      assert.ok(replies.some((r) => r.by === 'victim') && replies.some((r) => r.by === 'survivor'), 'both members worked');
      await waitFor(async () => [...(await pendingOf(topic, name)).values()].every((n) => n === 0), { what: 'every entry acked' });
      assert.deepEqual(await survivor!.stop(), { code: 0, signal: null });
      const replayed = drainedStats(survivor!, name).replayed;
      if (!idempotency) assert.equal(replayed, 0);
      assert.equal(reruns.length + replayed, held, 'every entry the victim held was processed once more, by the survivor');
      // A held entry whose reply the victim had already written gets a second reply, which its client drops.
      const dropped = runClients.reduce((sum, c) => sum + c.stats().unknownReplies, 0);
      assert.ok(dropped <= held);

      t.diagnostic(
        `${label}, idempotency ${idempotency ? 'on' : 'off'}: ${REQUESTS} requests in ${Date.now() - started} ms; ` +
          `victim held ${held} pending entries; claimed by the survivor ${reclaimedMs} ms after the kill, all answered ${allAnsweredMs} ms after it; ` +
          `${reinvoked} handler re-invocations (${replies.filter((r) => r.alreadyRecorded).length} found their side effect already recorded), ` +
          `${replayed} answered from stored replies, ${dropped} second replies dropped by clients`,
      );
    }

    test(`SIGKILL of a member holding pending entries during ${REQUESTS} requests: all answered once, no side effect twice`, (t) => crashRun(t, false));

    test(`the same with the service's idempotency on`, (t) => crashRun(t, true));

    test('idempotency on: a request whose reply was stored but whose ack was lost does not run the handler again', async () => {
      const topic = uniqueName('acklost');
      const name = `svc-${topic}`;
      const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 2 };
      const options = { blockMs: 100, ...CLAIM, idempotencyTtlMs: IDEMPOTENCY_TTL_MS };
      const services = [{ name, topic, shards }];
      const doomed = await startWorker({ url: fx.url, consumer: 'doomed', services, options, work, dieBeforeAck: true });
      const c = client();
      const first = await c.request<WorkReply>(topic, 'work', { n: 7 }, { idempotencyKey: 'order-7', shards });
      assert.equal(first.by, 'doomed');
      assert.equal((await doomed.exited).signal, 'SIGKILL');
      assert.equal((await pendingOf(topic, name)).get('doomed'), 1, 'the request stays pending: its ack was lost');

      const heir = await startWorker({ url: fx.url, consumer: 'heir', services, options, work });
      await waitFor(async () => ((await pendingOf(topic, name)).get('doomed') ?? 0) === 0 && c.stats().unknownReplies === 1, {
        timeoutMs: 10_000,
        what: 'the heir to claim the entry and answer it again',
      });
      // A new request with the same key is answered from the store too.
      const again = await c.request<WorkReply>(topic, 'work', { n: 7 }, { idempotencyKey: 'order-7', shards });
      assert.deepEqual(again, first);
      assert.equal((await countById(fx.engine, work.invocations)).get('order-7'), 1, 'the handler ran once');
      assert.equal((await countById(fx.engine, work.ledger)).get('order-7'), 1);
      assert.deepEqual(await heir.stop(), { code: 0, signal: null });
      const stats = drainedStats(heir, name);
      assert.equal(stats.replayed, 2);
      assert.equal(stats.processed, 0);
      assert.equal(stats.claimed, 1);
    });
  });
}
