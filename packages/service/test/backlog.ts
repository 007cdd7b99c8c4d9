/**
 * Draining a backlog, one body run against every engine: the reads of a
 * Consumer or a Service that find entries waiting must still let the event
 * loop run its timers and its check phase, where acks are sent. On the
 * in-process engines (memory://, file://) a read does no I/O, so without that
 * a drain would run in microtasks alone: no timer fires until it ends, and
 * every ack of the run goes out at its end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, encodeMessage, type AppendItem, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Service } from '../src/index.js';
import type { Fixture } from './flows.js';

/** Entries of the consumer's backlog. */
const CONSUMER_BACKLOG = 50_000;
/** Messages of the service's backlog. */
const SERVICE_BACKLOG = 20_000;
/** Appends per `appendBatch` while filling a backlog. */
const FILL_BATCH = 1_000;
/** The group's pending count is sampled every this many messages handled. */
const SAMPLE_EVERY = 500;
/** A timer set when the drain starts must fire before this fraction of the backlog is handled. */
const TIMER_BEFORE = 0.1;

async function fill(engine: Engine, stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += FILL_BATCH) {
    const items: AppendItem[] = [];
    for (let j = i; j < Math.min(n, i + FILL_BATCH); j++) items.push({ stream, fields: encodeMessage({ type: 'n', payload: j }) });
    await engine.appendBatch(items);
  }
}

/** What a drain saw: messages handled when the timer set at its start fired, and the largest pending count sampled. */
interface DrainRecord {
  handled: number;
  timerAt: number | undefined;
  maxPending: number;
}

function record(): DrainRecord & { startTimer(): void } {
  const r = {
    handled: 0,
    timerAt: undefined as number | undefined,
    maxPending: 0,
    startTimer(): void {
      setTimeout(() => {
        r.timerAt = r.handled;
      }, 0);
    },
  };
  return r;
}

function checkDrain(r: DrainRecord, n: number, pendingBound: number): void {
  assert.equal(r.handled, n);
  assert.ok(r.timerAt !== undefined && r.timerAt < n * TIMER_BEFORE, `a timer set at the start fired after ${r.timerAt ?? 'the end of'} ${n} messages`);
  assert.ok(r.maxPending <= pendingBound, `pending reached ${r.maxPending} (bound ${pendingBound}): acks are not sent as the drain goes`);
}

export function backlogFlows(label: string, setup: () => Promise<Fixture>): void {
  describe(`draining a backlog on ${label}`, () => {
    let fx: Fixture;
    before(async () => {
      fx = await setup();
    });
    after(async () => {
      await fx.teardown();
    });

    test(`a group Consumer drains ${CONSUMER_BACKLOG} entries with timers firing and acks sent as it goes`, async () => {
      const topic = uniqueName('backlog-consumer');
      const prefetch = 256;
      await fx.engine.createGroup(topic, 'g', '0');
      await fill(fx.engine, topic, CONSUMER_BACKLOG);
      const consumer = new Consumer<number>(fx.engine, { topic, group: 'g', consumer: 'c', prefetch });
      const r = record();
      await consumer.start();
      r.startTimer();
      for await (const m of consumer) {
        void m.ack();
        if (++r.handled % SAMPLE_EVERY === 0) r.maxPending = Math.max(r.maxPending, (await fx.engine.pendingSummary(topic, 'g')).count);
        if (r.handled === CONSUMER_BACKLOG) break;
      }
      checkDrain(r, CONSUMER_BACKLOG, 4 * prefetch);
    });

    test(`a Service drains ${SERVICE_BACKLOG} messages with timers firing and acks sent as it goes`, async () => {
      const topic = uniqueName('backlog-service');
      const concurrency = 16;
      await fill(fx.engine, topic, SERVICE_BACKLOG);
      const r = record();
      const svc = new Service(fx.engine, { name: `svc-${topic}`, topic, consumer: 'm1', concurrency }).handle('n', async () => {
        if (++r.handled % SAMPLE_EVERY === 0) r.maxPending = Math.max(r.maxPending, (await fx.engine.pendingSummary(topic, svc.config.group)).count);
      });
      try {
        await svc.start();
        r.startTimer();
        await waitFor(() => r.handled === SERVICE_BACKLOG, { what: 'the backlog handled', timeoutMs: 120_000 });
      } finally {
        await svc.close();
      }
      checkDrain(r, SERVICE_BACKLOG, 8 * concurrency);
    });
  });
}
