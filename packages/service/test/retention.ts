/**
 * Retention: a service trims its topic of what every group acknowledged (one
 * member trims), never what a group still needs; caps on dead letters and on
 * the topics a client writes to — one body run against every engine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import type { Fixture } from './flows.js';
import { suiteKit } from './kit.js';

/** More entries than one Redis listpack node holds (100), so that approximate trims remove whole nodes. */
const N = 250;

export function retentionFlows(label: string, setup: () => Promise<Fixture>): void {
  describe(`retention on ${label}`, () => {
    const kit = suiteKit(setup, { announce: false, trimIntervalMs: 30 });
    const { service, client } = kit;

    test('answered requests are trimmed from the topic; entries a lagging group has not acknowledged are kept', async () => {
      const engine = kit.engine();
      const topic = uniqueName('trim');
      const svc = service(topic).handle('n', (n: number) => n);
      await svc.start();
      // A second group that took five entries and acknowledged none of them.
      await engine.createGroup(topic, 'laggard', '0');
      const c = client();
      assert.deepEqual(
        await Promise.all(Array.from({ length: N }, (_, i) => c.request(topic, 'n', i))),
        Array.from({ length: N }, (_, i) => i),
      );
      const [taken] = await engine.readGroup('laggard', 'l1', [{ stream: topic, after: '>' }], { count: 5 });
      const passes = svc.stats().trimPasses;
      await waitFor(() => svc.stats().trimPasses >= passes + 2, { what: 'two trims after the laggard read' });
      assert.equal(await engine.length(topic), N, 'nothing trimmed while the laggard holds the oldest entries');

      // The laggard catches up: now everything is acknowledged by every group.
      await engine.ack(
        topic,
        'laggard',
        taken!.entries.map((e) => e.id),
      );
      await engine.setGroupId(topic, 'laggard', '$');
      // The pass counts what it trimmed once its XTRIMs are done: wait for the count, not only the length.
      await waitFor(async () => (await engine.length(topic)) < N - 100 && svc.stats().trimmed > 0, { what: 'the acknowledged entries trimmed and counted' });
      assert.equal(await c.request(topic, 'n', -1), -1, 'the trimmed topic serves on');
    });

    test('one trim pass removes every acknowledged entry, more than one XTRIM removes (10,000)', async () => {
      const engine = kit.engine();
      const topic = uniqueName('trim-long');
      const backlog = 25_000;
      // An interval long enough that the check below sees the first pass alone.
      const svc = service(topic, { trimIntervalMs: 2_000 }).handle('n', (n: number) => n);
      await engine.appendBatch(Array.from({ length: backlog }, (_, i) => ({ stream: topic, fields: encodeMessage({ type: 'n', payload: i }) })));
      // The service's group has seen them all and holds none pending: all acknowledged.
      await engine.createGroup(topic, svc.config.group, '$');
      await svc.start();
      await waitFor(() => svc.stats().trimPasses >= 1, { what: 'the first trim pass' });
      const left = await engine.length(topic);
      assert.ok(left <= 100, `at most a node's worth left after one pass, got ${left} of ${backlog}`);
      assert.equal(svc.stats().trimmed, backlog - left);
    });

    test('with trimIntervalMs 0 the topic is not trimmed; of two members, one trims', async () => {
      const engine = kit.engine();
      const off = uniqueName('trim-off');
      const svc = service(off, { trimIntervalMs: 0 }).handle('n', (n: number) => n);
      await svc.start();
      const c = client({ topicMaxLen: 0 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => c.request(off, 'n', i)));
      assert.equal(svc.stats().trimPasses, 0);
      assert.equal(await engine.length(off), 20);

      const topic = uniqueName('trim-two');
      // Intervals long enough that a busy machine does not let the lease (three intervals) lapse.
      const a = service(topic, { consumer: 'a', trimIntervalMs: 300 }).handle('n', (n: number) => n);
      const b = service(topic, { consumer: 'b', trimIntervalMs: 300 }).handle('n', (n: number) => n);
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => a.stats().trimPasses + b.stats().trimPasses >= 4, { what: 'four trims' });
      assert.ok(Math.min(a.stats().trimPasses, b.stats().trimPasses) === 0, `one member trims: ${a.stats().trimPasses} and ${b.stats().trimPasses}`);
    });

    test('the dead-letter stream and the topics a client writes to are capped', async () => {
      const engine = kit.engine();
      const topic = uniqueName('caps');
      const svc = service(topic, { maxDeliveries: 1, deadLetterMaxLen: 10, trimIntervalMs: 0 }).handle('job', () => {
        throw new Error('always');
      });
      await svc.start();
      await client({ topicMaxLen: 0 }).publishBatch(
        topic,
        Array.from({ length: N }, (_, i) => ({ type: 'job', payload: i })),
      );
      await waitFor(() => svc.stats().deadLettered === N, { what: 'every job dead-lettered', timeoutMs: 20_000 });
      assert.ok((await engine.length(svc.config.deadLetterStream)) < N - 100, 'the dead-letter stream is capped');

      // A client caps what it writes: a topic nobody consumes stops growing.
      const c = client({ topicMaxLen: 10, trimIntervalMs: 20 });
      const unread = uniqueName('nobody');
      for (let i = 0; i < N; i++) await c.publish(unread, 'x', i);
      await waitFor(async () => (await engine.length(unread)) < N - 100, { what: 'a topic nobody consumes capped' });
      await engine.append(unread, encodeMessage({ type: 'x', payload: 'still writable' }));
    });
  });
}
