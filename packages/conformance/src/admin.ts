import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { sleep } from '@streamerson/testkit';
import { fill, ids, text, it, type SuiteContext } from './context.js';
import { spreadNames } from './slots.js';

/** Trimming, deletion, info, listStreams. */
export function adminTests(ctx: SuiteContext): void {
  describe('trim and delete', () => {
    it('trim resolves how many entries it removed (maxLen and minId, exact)', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 10);
      assert.equal(await ctx.engine.trim(s, { maxLen: 4, approximate: false }), 6);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), written.slice(6));
      assert.equal(await ctx.engine.trim(s, { minId: written[8]!, approximate: false }), 2);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), written.slice(8));
      assert.equal(await ctx.engine.trim(s, { maxLen: 5, approximate: false }), 0);
      assert.equal(await ctx.engine.trim(ctx.name('missing'), { maxLen: 0, approximate: false }), 0);
    });

    it('an approximate trim without limit removes everything its bound allows, however long the stream', async () => {
      // Redis' XTRIM with `~` stops at 100 nodes (10,000 entries) per call unless told otherwise.
      const s = ctx.name();
      const n = 25_000;
      const written = await fill(ctx.engine, s, n);
      const removed = await ctx.engine.trim(s, { minId: written[n - 1]! });
      // Whole nodes only: at most a node's worth (100 entries with Redis' defaults) is kept beyond the bound.
      assert.ok(removed >= n - 100, `removed ${removed} of ${n - 1} below the bound`);
      assert.equal(await ctx.engine.length(s), n - removed);
      const capped = await ctx.engine.trim(s, { maxLen: 0 });
      assert.equal(await ctx.engine.length(s), n - removed - capped);
      assert.ok(n - removed - capped <= 100, `a node's worth at most is left, got ${n - removed - capped}`);
    });

    it('deleteEntries resolves how many existed', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 4);
      assert.equal(await ctx.engine.deleteEntries(s, [written[0]!, written[2]!, '1-0']), 2);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), [written[1], written[3]]);
      assert.equal(await ctx.engine.deleteEntries(s, [written[0]!]), 0);
      assert.equal(await ctx.engine.deleteEntries(ctx.name('missing'), ['1-0']), 0);
    });

    it('deleteStreams removes streams with their groups and resolves how many existed', async () => {
      const [a, b] = spreadNames(ctx.name('del'), 2) as [string, string];
      await fill(ctx.engine, a, 2);
      await ctx.engine.createGroup(b, 'g');
      assert.equal(await ctx.engine.deleteStreams([a, b, ctx.name('missing')]), 2);
      assert.equal(await ctx.engine.length(a), 0);
      assert.equal(await ctx.engine.info(b), null);
      assert.equal(await ctx.engine.lastId(a), '0-0');
      assert.equal(await ctx.engine.createGroup(b, 'g'), true, 'the group went with the stream');
      assert.equal(await ctx.engine.deleteStreams([a]), 0);
    });
  });

  describe('expire', () => {
    it('deletes the stream after its time to live; a later expire sets a new time; appends keep it', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.expire(s, 1_000), false, 'no stream, nothing to expire');
      await fill(ctx.engine, s, 2);
      assert.equal(await ctx.engine.expire(s, 150), true);
      await fill(ctx.engine, s, 1);
      assert.equal(await ctx.engine.length(s), 3);
      await sleep(300);
      assert.equal(await ctx.engine.info(s), null, 'expired');
      const kept = ctx.name();
      await fill(ctx.engine, kept, 1);
      await ctx.engine.expire(kept, 150);
      await ctx.engine.expire(kept, 60_000);
      await sleep(300);
      assert.equal(await ctx.engine.length(kept), 1, 'the second expire replaced the first');
      await assert.rejects(ctx.engine.expire(kept, 0), { code: 'ERR_STREAMERSON_INVALID_OPTION' });
    });

    it('a stream deleted and created again has no time to live', async () => {
      const s = ctx.name();
      await fill(ctx.engine, s, 1);
      await ctx.engine.expire(s, 150);
      await ctx.engine.deleteStreams([s]);
      await fill(ctx.engine, s, 1);
      await sleep(300);
      assert.equal(await ctx.engine.length(s), 1);
    });
  });

  describe('info', () => {
    it('is null for a missing stream', async () => {
      assert.equal(await ctx.engine.info(ctx.name('missing')), null);
    });

    it('reports length, first/last entry, last generated id, entries added, groups and consumers', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 3);
      await ctx.engine.createGroup(s, 'g', '0');
      const got = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: '>' }], { count: 2 });
      assert.equal(got[0]?.entries.length, 2);
      await ctx.engine.ack(s, 'g', [written[0]!]);
      await sleep(60);
      const info = await ctx.engine.info(s);
      assert.ok(info !== null);
      assert.equal(info.stream, s);
      assert.equal(info.length, 3);
      assert.deepEqual(info.firstEntry && text(info.firstEntry), { id: written[0], fields: ['i', '0'] });
      assert.deepEqual(info.lastEntry && text(info.lastEntry), { id: written[2], fields: ['i', '2'] });
      assert.equal(info.lastGeneratedId, written[2]);
      assert.equal(info.entriesAdded, 3);
      assert.equal(info.groups.length, 1);
      const group = info.groups[0]!;
      assert.equal(group.name, 'g');
      assert.equal(group.pending, 1);
      assert.equal(group.lastDeliveredId, written[1]);
      assert.equal(group.lag, 1);
      assert.equal(group.consumers.length, 1);
      const consumer = group.consumers[0]!;
      assert.equal(consumer.name, 'c1');
      assert.equal(consumer.pending, 1);
      assert.ok(consumer.idleMs >= 50 && consumer.idleMs < 5_000, `idleMs ${consumer.idleMs}`);
    });

    it('keeps the last generated id and entries added after deletions; empty stream has no entries', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 2);
      await ctx.engine.deleteEntries(s, written);
      const info = await ctx.engine.info(s);
      assert.ok(info !== null, 'an emptied stream still exists');
      assert.equal(info.length, 0);
      assert.equal(info.firstEntry, null);
      assert.equal(info.lastEntry, null);
      assert.equal(info.lastGeneratedId, written[1]);
      assert.equal(info.entriesAdded, 2);
    });
  });

  describe('listStreams', () => {
    it('lists only the streams with the prefix, sorted, on every node, bounded by limit', async () => {
      const prefix = ctx.name('ls');
      const names = spreadNames(prefix, 6);
      for (const s of names) await ctx.engine.append(s, ['k', 'v']);
      await ctx.engine.createGroup(`${prefix}-empty-with-group`, 'g');
      await ctx.engine.append(ctx.name('other'), ['k', 'v']);
      await ctx.engine.append(`x${prefix}`, ['k', 'v']);
      await ctx.engine.appendIdempotent(names[0]!, ['k', 'v'], 'm', 10_000);
      if (ctx.target.command !== undefined) {
        await ctx.target.command('SET', `${prefix}-string`, 'not a stream');
        await ctx.target.command('HSET', `${prefix}-hash`, 'f', 'v');
      }
      const expected = [...names, `${prefix}-empty-with-group`].sort();
      assert.deepEqual(await ctx.engine.listStreams(prefix), expected);
      const limited = await ctx.engine.listStreams(prefix, 2);
      assert.equal(limited.length, 2);
      for (const s of limited) assert.ok(expected.includes(s), `${s} has the prefix`);
      assert.deepEqual(limited, [...limited].sort());
      assert.deepEqual(await ctx.engine.listStreams(ctx.name('none')), []);
      await ctx.engine.deleteStreams([names[0]!]);
      assert.deepEqual(
        await ctx.engine.listStreams(prefix),
        expected.filter((s) => s !== names[0]),
      );
    });
  });
}
