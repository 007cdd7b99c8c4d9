import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { sleep } from '@streamerson/testkit';
import { fill, ids, texts, it, type SuiteContext } from './context.js';

/** Idle time after which entries are claimable in these tests. */
const MIN_IDLE_MS = 60;
/** A sleep long enough for {@link MIN_IDLE_MS} to pass, with slack for timer jitter. */
const IDLE_WAIT_MS = 100;

/** A stream with group `g` where consumer `c1` holds `n` pending entries; resolves with their ids. */
async function pendingFor(ctx: SuiteContext, s: string, n: number): Promise<string[]> {
  await ctx.engine.createGroup(s, 'g', '$');
  const written = await fill(ctx.engine, s, n);
  const got = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: '>' }]);
  assert.deepEqual(ids(got[0]!.entries), written);
  return written;
}

/** Ownership transfer of pending entries: claim, autoClaim, deleted entries. */
export function claimTests(ctx: SuiteContext): void {
  describe('claim and autoClaim', () => {
    it('claim takes nothing too fresh, then transfers idle entries and counts the delivery', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 3);
      const wanted = written.slice(0, 2);
      assert.deepEqual(await ctx.engine.claim(s, 'g', 'c2', wanted, { minIdleMs: 5_000 }), []);
      await sleep(IDLE_WAIT_MS);
      const claimed = await ctx.engine.claim(s, 'g', 'c2', wanted, { minIdleMs: MIN_IDLE_MS });
      assert.deepEqual(texts(claimed), [
        { id: written[0], fields: ['i', '0'] },
        { id: written[1], fields: ['i', '1'] },
      ]);
      const pel = await ctx.engine.pendingRange(s, 'g', { count: 10 });
      assert.deepEqual(
        pel.map((p) => [p.id, p.consumer, p.deliveries]),
        [
          [written[0], 'c2', 2],
          [written[1], 'c2', 2],
          [written[2], 'c1', 1],
        ],
      );
      for (const p of pel.slice(0, 2)) assert.ok(p.idleMs < MIN_IDLE_MS, 'a claim resets the idle time');
    });

    it('claim with justId transfers without counting a delivery', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 1);
      await sleep(IDLE_WAIT_MS);
      await ctx.engine.claim(s, 'g', 'c2', written, { minIdleMs: MIN_IDLE_MS, justId: true });
      const pel = await ctx.engine.pendingRange(s, 'g', { count: 10 });
      assert.deepEqual(
        pel.map((p) => [p.id, p.consumer, p.deliveries]),
        [[written[0], 'c2', 1]],
      );
    });

    it('claim leaves out entries deleted from the stream and drops them from the PEL', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 2);
      await ctx.engine.deleteEntries(s, [written[0]!]);
      await sleep(IDLE_WAIT_MS);
      const claimed = await ctx.engine.claim(s, 'g', 'c2', written, { minIdleMs: MIN_IDLE_MS });
      assert.deepEqual(ids(claimed), [written[1]]);
      assert.deepEqual(ids(await ctx.engine.pendingRange(s, 'g', { count: 10 })), [written[1]]);
    });

    it('autoClaim walks the PEL with a cursor and ends with 0-0', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 5);
      assert.deepEqual((await ctx.engine.autoClaim(s, 'g', 'c2', 5_000, '0-0', 10)).entries, []);
      await sleep(IDLE_WAIT_MS);
      const first = await ctx.engine.autoClaim(s, 'g', 'c2', MIN_IDLE_MS, '0-0', 2);
      assert.deepEqual(ids(first.entries), written.slice(0, 2));
      assert.equal(first.next, written[2]);
      assert.deepEqual(first.deletedIds, []);
      const second = await ctx.engine.autoClaim(s, 'g', 'c2', MIN_IDLE_MS, first.next, 2);
      assert.deepEqual(ids(second.entries), written.slice(2, 4));
      assert.equal(second.next, written[4]);
      const third = await ctx.engine.autoClaim(s, 'g', 'c2', MIN_IDLE_MS, second.next, 2);
      assert.deepEqual(texts(third.entries), [{ id: written[4], fields: ['i', '4'] }]);
      assert.equal(third.next, '0-0');
      const pel = await ctx.engine.pendingRange(s, 'g', { count: 10 });
      assert.deepEqual(
        pel.map((p) => [p.consumer, p.deliveries]),
        written.map(() => ['c2', 2]),
      );
    });

    it('autoClaim reports entries deleted from the stream in deletedIds and drops them', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 4);
      await ctx.engine.deleteEntries(s, [written[1]!, written[2]!]);
      await sleep(IDLE_WAIT_MS);
      const result = await ctx.engine.autoClaim(s, 'g', 'c2', MIN_IDLE_MS, '0-0', 10);
      assert.deepEqual(ids(result.entries), [written[0], written[3]]);
      assert.deepEqual([...result.deletedIds], [written[1], written[2]]);
      assert.equal(result.next, '0-0');
      assert.deepEqual(ids(await ctx.engine.pendingRange(s, 'g', { count: 10 })), [written[0], written[3]]);
    });

    it('a pending entry deleted from the stream is re-read by its consumer as { id, fields: [] }', async () => {
      const s = ctx.name();
      const written = await pendingFor(ctx, s, 3);
      await ctx.engine.deleteEntries(s, [written[1]!]);
      const again = await ctx.engine.readGroup('g', 'c1', [{ stream: s, after: '0' }]);
      assert.deepEqual(texts(again[0]!.entries), [
        { id: written[0], fields: ['i', '0'] },
        { id: written[1], fields: [] },
        { id: written[2], fields: ['i', '2'] },
      ]);
    });
  });
}
