import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { sleep } from '@streamerson/testkit';
import { byStream, fill, ids, it, rejectsWithCode, type SuiteContext } from './context.js';
import { spreadNames } from './slots.js';

/** Entries a consumer gets from a non-blocking `>` read of one stream. */
async function take(ctx: SuiteContext, s: string, group: string, consumer: string, count?: number): Promise<string[]> {
  const got = await ctx.engine.readGroup(group, consumer, [{ stream: s, after: '>' }], count === undefined ? {} : { count });
  return got.flatMap((r) => ids(r.entries));
}

/** Consumer groups: creation, group reads, the PEL, acks, group and consumer administration. */
export function groupTests(ctx: SuiteContext): void {
  describe('consumer groups', () => {
    it('createGroup is idempotent: true, then false', async () => {
      const s = ctx.name();
      await fill(ctx.engine, s, 1);
      assert.equal(await ctx.engine.createGroup(s, 'g', '0'), true);
      assert.equal(await ctx.engine.createGroup(s, 'g', '0'), false);
      assert.equal(await ctx.engine.createGroup(s, 'g2'), true);
    });

    it('createGroup creates a missing stream (MKSTREAM)', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.createGroup(s, 'g'), true);
      const info = await ctx.engine.info(s);
      assert.equal(info?.length, 0);
      assert.deepEqual(
        info?.groups.map((g) => g.name),
        ['g'],
      );
    });

    it('start 0 delivers the whole stream, $ (the default) only new entries', async () => {
      const s = ctx.name();
      const old = await fill(ctx.engine, s, 2);
      await ctx.engine.createGroup(s, 'all', '0');
      await ctx.engine.createGroup(s, 'new', '$');
      await ctx.engine.createGroup(s, 'dflt');
      assert.deepEqual(await take(ctx, s, 'all', 'c'), old);
      assert.deepEqual(await take(ctx, s, 'new', 'c'), []);
      assert.deepEqual(await take(ctx, s, 'dflt', 'c'), []);
      const fresh = await ctx.engine.append(s, ['i', 'new']);
      assert.deepEqual(await take(ctx, s, 'new', 'c'), [fresh]);
      assert.deepEqual(await take(ctx, s, 'dflt', 'c'), [fresh]);
      assert.deepEqual(await take(ctx, s, 'all', 'c'), [fresh]);
    });

    it('> delivers each entry to exactly one consumer across two consumers', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      const written = await fill(ctx.engine, s, 10);
      const c1a = await take(ctx, s, 'g', 'c1', 3);
      const c2a = await take(ctx, s, 'g', 'c2', 3);
      const c1b = await take(ctx, s, 'g', 'c1');
      assert.deepEqual(await take(ctx, s, 'g', 'c2'), []);
      assert.deepEqual([...c1a, ...c2a, ...c1b], written);
      assert.equal(c1a.length, 3);
      assert.equal(c2a.length, 3);
    });

    it('a group read covers several streams (different slots) at once', async () => {
      const names = spreadNames(ctx.name('grp'), 3);
      const written: Record<string, string[]> = {};
      for (const s of names) {
        await ctx.engine.createGroup(s, 'g', '$');
        written[s] = await fill(ctx.engine, s, 2);
      }
      const got = byStream(
        await ctx.engine.readGroup(
          'g',
          'c',
          names.map((stream) => ({ stream, after: '>' })),
        ),
      );
      assert.deepEqual(Object.keys(got).sort(), [...names].sort());
      for (const s of names) {
        assert.deepEqual(
          got[s]!.map((e) => e.id),
          written[s],
        );
        assert.equal((await ctx.engine.pendingSummary(s, 'g')).count, 2);
      }
      const again = await ctx.engine.readGroup(
        'g',
        'c',
        names.map((stream) => ({ stream, after: '0' })),
      );
      assert.equal(again.flatMap((r) => r.entries).length, 6);
    });

    it('noAck delivers without adding to the PEL', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      await fill(ctx.engine, s, 2);
      const got = await ctx.engine.readGroup('g', 'c', [{ stream: s, after: '>' }], { noAck: true });
      assert.equal(got[0]?.entries.length, 2);
      assert.equal((await ctx.engine.pendingSummary(s, 'g')).count, 0);
    });

    it('tracks pending entries and delivery counts (pendingSummary, pendingRange)', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      assert.deepEqual(await ctx.engine.pendingSummary(s, 'g'), { count: 0, lowestId: null, highestId: null, consumers: [] });
      const written = await fill(ctx.engine, s, 6);
      const c1 = await take(ctx, s, 'g', 'c1', 3);
      const c2 = await take(ctx, s, 'g', 'c2', 2);
      const summary = await ctx.engine.pendingSummary(s, 'g');
      assert.equal(summary.count, 5);
      assert.equal(summary.lowestId, written[0]);
      assert.equal(summary.highestId, written[4]);
      assert.deepEqual(
        [...summary.consumers].sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: 'c1', pending: 3 },
          { name: 'c2', pending: 2 },
        ],
      );
      const all = await ctx.engine.pendingRange(s, 'g', { start: '-', end: '+', count: 10 });
      assert.deepEqual(
        all.map((p) => [p.id, p.consumer, p.deliveries]),
        [...c1.map((id) => [id, 'c1', 1]), ...c2.map((id) => [id, 'c2', 1])],
      );
      for (const p of all) assert.ok(p.idleMs >= 0 && p.idleMs < 5_000, `idle ${p.idleMs}`);
      assert.deepEqual(ids(await ctx.engine.pendingRange(s, 'g', { count: 10, consumer: 'c2' })), c2);
      assert.deepEqual(ids(await ctx.engine.pendingRange(s, 'g', { count: 2 })), c1.slice(0, 2));
      assert.deepEqual(ids(await ctx.engine.pendingRange(s, 'g', { start: `(${c1[0]}`, end: c2[0]!, count: 10 })), [...c1.slice(1), c2[0]]);
      // Wide margins: a loaded machine may stall for tens of milliseconds between two commands.
      assert.deepEqual(await ctx.engine.pendingRange(s, 'g', { count: 10, minIdleMs: 400 }), []);
      await sleep(450);
      const idle = await ctx.engine.pendingRange(s, 'g', { count: 10, minIdleMs: 400 });
      assert.equal(idle.length, 5);
      for (const p of idle) assert.ok(p.idleMs >= 400, `idle ${p.idleMs}`);
    });

    it("id 0 re-reads the consumer's own pending entries and counts the delivery", async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      await fill(ctx.engine, s, 5);
      const mine = await take(ctx, s, 'g', 'c1', 3);
      await take(ctx, s, 'g', 'c2', 2);
      const again = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: '0' }]);
      assert.deepEqual(ids(again[0]!.entries), mine);
      const after = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: mine[0]! }], { count: 1 });
      assert.deepEqual(ids(after[0]!.entries), [mine[1]]);
      const counts = await ctx.engine.pendingRange(s, 'g', { count: 10, consumer: 'c1' });
      assert.deepEqual(
        counts.map((p) => p.deliveries),
        [2, 3, 2],
      );
      await ctx.engine.ack(s, 'g', mine);
      const none = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: '0' }]);
      assert.deepEqual(
        none.flatMap((r) => r.entries),
        [],
      );
    });

    it('ack removes entries from the PEL and resolves how many were pending', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      const written = await fill(ctx.engine, s, 3);
      await take(ctx, s, 'g', 'c');
      assert.equal(await ctx.engine.ack(s, 'g', [written[0]!, written[2]!, '1-1']), 2);
      assert.equal(await ctx.engine.ack(s, 'g', [written[0]!]), 0);
      const summary = await ctx.engine.pendingSummary(s, 'g');
      assert.equal(summary.count, 1);
      assert.equal(summary.lowestId, written[1]);
    });

    it('a group read on a missing group or stream rejects with ERR_STREAMERSON_NO_GROUP', async () => {
      const s = ctx.name();
      await fill(ctx.engine, s, 1);
      await rejectsWithCode(ctx.engine.readGroup('nope', 'c', [{ stream: s, after: '>' }]), 'ERR_STREAMERSON_NO_GROUP');
      await rejectsWithCode(ctx.engine.readGroup('nope', 'c', [{ stream: ctx.name('missing'), after: '>' }]), 'ERR_STREAMERSON_NO_GROUP');
      await rejectsWithCode(ctx.engine.pendingSummary(s, 'nope'), 'ERR_STREAMERSON_NO_GROUP');
    });

    it('setGroupId moves the last-delivered id', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 3);
      await ctx.engine.createGroup(s, 'g', '$');
      await ctx.engine.setGroupId(s, 'g', written[0]!);
      assert.deepEqual(await take(ctx, s, 'g', 'c'), written.slice(1));
      await ctx.engine.setGroupId(s, 'g', '0');
      assert.deepEqual(await take(ctx, s, 'g', 'c'), written);
    });

    it('destroyGroup resolves true, then false, and the group is gone', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '0');
      assert.equal(await ctx.engine.destroyGroup(s, 'g'), true);
      assert.equal(await ctx.engine.destroyGroup(s, 'g'), false);
      assert.equal(await ctx.engine.destroyGroup(ctx.name('missing'), 'g'), false);
      await rejectsWithCode(ctx.engine.readGroup('g', 'c', [{ stream: s, after: '>' }]), 'ERR_STREAMERSON_NO_GROUP');
      assert.deepEqual((await ctx.engine.info(s))?.groups, []);
    });

    it('deleteConsumer resolves with its pending count and drops them from the PEL', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      await fill(ctx.engine, s, 5);
      await take(ctx, s, 'g', 'c1', 3);
      await take(ctx, s, 'g', 'c2', 2);
      assert.equal(await ctx.engine.deleteConsumer(s, 'g', 'c1'), 3);
      assert.equal(await ctx.engine.deleteConsumer(s, 'g', 'c1'), 0);
      const summary = await ctx.engine.pendingSummary(s, 'g');
      assert.equal(summary.count, 2);
      assert.deepEqual(summary.consumers, [{ name: 'c2', pending: 2 }]);
      const info = await ctx.engine.info(s);
      assert.deepEqual(
        info?.groups[0]?.consumers.map((c) => c.name),
        ['c2'],
      );
    });

    it('a > read that serves nothing creates no consumer; one that serves entries does', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      assert.deepEqual(await ctx.engine.readGroup('g', 'idle', [{ stream: s, after: '>' }], { count: 5 }), []);
      assert.deepEqual((await ctx.engine.info(s))?.groups[0]?.consumers, []);
      await fill(ctx.engine, s, 1);
      await take(ctx, s, 'g', 'busy', 1);
      assert.deepEqual(await ctx.engine.readGroup('g', 'idle', [{ stream: s, after: '>' }], { count: 5 }), []);
      assert.deepEqual(
        (await ctx.engine.info(s))?.groups[0]?.consumers.map((c) => c.name),
        ['busy'],
      );
    });
  });
}
