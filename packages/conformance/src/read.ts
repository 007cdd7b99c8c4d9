import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { byStream, fill, ids, it, type SuiteContext } from './context.js';
import { spreadNames } from './slots.js';

/** Longest a loop of reads may run before a timer of 1 ms set before it must have fired. */
const TURN_LIMIT_MS = 5_000;

/** Non-blocking reads, ranges, lastId and length. */
export function readTests(ctx: SuiteContext): void {
  describe('read', () => {
    it('reads from the beginning with 0-0, after an id, and honours count', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 5);
      const all = await ctx.engine.read([{ stream: s, after: '0-0' }]);
      assert.equal(all.length, 1);
      assert.equal(all[0]?.stream, s);
      assert.deepEqual(
        byStream(all)[s],
        written.map((id, i) => ({ id, fields: ['i', String(i)] })),
      );
      assert.deepEqual(ids((await ctx.engine.read([{ stream: s, after: written[1]! }]))[0]!.entries), written.slice(2));
      assert.deepEqual(ids((await ctx.engine.read([{ stream: s, after: '0-0' }], { count: 2 }))[0]!.entries), written.slice(0, 2));
    });

    it('leaves out streams with nothing new, and missing streams', async () => {
      const s = ctx.name();
      const written = await fill(ctx.engine, s, 2);
      assert.deepEqual(await ctx.engine.read([{ stream: s, after: written[1]! }]), []);
      assert.deepEqual(await ctx.engine.read([{ stream: ctx.name('missing'), after: '0-0' }]), []);
      const mixed = await ctx.engine.read([
        { stream: ctx.name('missing'), after: '0-0' },
        { stream: s, after: written[0]! },
      ]);
      assert.deepEqual(Object.keys(byStream(mixed)), [s]);
    });

    it('reads several streams (different slots) at once', async () => {
      const names = spreadNames(ctx.name('multi'), 3);
      const written: Record<string, string[]> = {};
      for (const s of names) written[s] = await fill(ctx.engine, s, 2);
      const got = byStream(await ctx.engine.read(names.map((stream) => ({ stream, after: '0-0' }))));
      assert.deepEqual(Object.keys(got).sort(), [...names].sort());
      for (const s of names)
        assert.deepEqual(
          got[s]!.map((e) => e.id),
          written[s],
        );
    });
  });

  describe('reads that return entries let the event loop turn', () => {
    /**
     * Runs `read` in a loop until a timer set before it fires, or until
     * {@link TURN_LIMIT_MS} of wall time passes: an engine whose reads settle
     * without giving the event loop a turn keeps every timer (deadlines, lease
     * renewals) and every check-phase task (batched acks) waiting until a
     * backlog's drain ends.
     */
    async function timerFiresDuring(read: () => Promise<unknown[]>): Promise<void> {
      let fired = false;
      const timer = setTimeout(() => {
        fired = true;
      }, 1);
      const started = Date.now();
      try {
        while (!fired && Date.now() - started < TURN_LIMIT_MS) assert.ok((await read()).length > 0, 'the read returned entries');
      } finally {
        clearTimeout(timer);
      }
      assert.ok(fired, `a timer of 1 ms did not fire during ${TURN_LIMIT_MS} ms of reads`);
    }

    it("read, range, revRange, readGroup and a reader's reads", async () => {
      const s = ctx.name();
      await fill(ctx.engine, s, 3);
      await ctx.engine.createGroup(s, 'g', '0');
      await timerFiresDuring(() => ctx.engine.read([{ stream: s, after: '0-0' }], { count: 1 }));
      await timerFiresDuring(() => ctx.engine.range(s, '-', '+', 1));
      await timerFiresDuring(() => ctx.engine.revRange(s, '+', '-', 1));
      await ctx.engine.readGroup('g', 'c', [{ stream: s, after: '>' }]);
      await timerFiresDuring(() => ctx.engine.readGroup('g', 'c', [{ stream: s, after: '0' }], { count: 1 }));
      const reader = ctx.engine.openReader();
      try {
        await timerFiresDuring(() => reader.read([{ stream: s, after: '0-0' }], { count: 1, blockMs: 1_000 }));
      } finally {
        await reader.close();
      }
    });
  });

  describe('range and revRange', () => {
    it('range covers -/+, inclusive and exclusive bounds and count', async () => {
      const s = ctx.name();
      const [a, b, c, d] = (await fill(ctx.engine, s, 4)) as [string, string, string, string];
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), [a, b, c, d]);
      assert.deepEqual(ids(await ctx.engine.range(s, b, c)), [b, c]);
      assert.deepEqual(ids(await ctx.engine.range(s, `(${a}`, '+')), [b, c, d]);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', `(${d}`)), [a, b, c]);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+', 2)), [a, b]);
      assert.deepEqual(ids(await ctx.engine.range(s, `(${b}`, '+', 1)), [c]);
      assert.deepEqual(await ctx.engine.range(s, d, a), []);
      assert.deepEqual(await ctx.engine.range(ctx.name('missing'), '-', '+'), []);
    });

    it('revRange returns newest first with end before start', async () => {
      const s = ctx.name();
      const [a, b, c, d] = (await fill(ctx.engine, s, 4)) as [string, string, string, string];
      assert.deepEqual(ids(await ctx.engine.revRange(s, '+', '-')), [d, c, b, a]);
      assert.deepEqual(ids(await ctx.engine.revRange(s, c, a)), [c, b, a]);
      assert.deepEqual(ids(await ctx.engine.revRange(s, `(${d}`, '-')), [c, b, a]);
      assert.deepEqual(ids(await ctx.engine.revRange(s, '+', `(${a}`)), [d, c, b]);
      assert.deepEqual(ids(await ctx.engine.revRange(s, '+', '-', 2)), [d, c]);
      assert.deepEqual(await ctx.engine.revRange(ctx.name('missing'), '+', '-'), []);
    });
  });

  describe('lastId and length', () => {
    it('lastId is 0-0 for a missing stream and survives deleting the last entry', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.lastId(s), '0-0');
      const written = await fill(ctx.engine, s, 3);
      assert.equal(await ctx.engine.lastId(s), written[2]);
      assert.equal(await ctx.engine.deleteEntries(s, [written[2]!]), 1);
      assert.equal(await ctx.engine.lastId(s), written[2], 'lastId is the last generated id');
    });

    it('length is 0 for a missing stream and counts entries', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.length(s), 0);
      await fill(ctx.engine, s, 7);
      assert.equal(await ctx.engine.length(s), 7);
    });
  });
}
