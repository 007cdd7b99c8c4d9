import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ReadPosition } from '@streamerson/core';
import { sleep } from '@streamerson/testkit';
import { byStream, ids, it, type SuiteContext } from './context.js';
import { spreadNames } from './slots.js';

/** How long a test lets a blocked read wait before it fails. */
const BLOCK_MS = 3_000;

/** Blocking reads through openReader(). */
export function blockingTests(ctx: SuiteContext): void {
  describe('openReader', () => {
    it('a blocked read wakes up on an append made through the engine', async () => {
      const s = ctx.name();
      const reader = ctx.engine.openReader();
      try {
        const started = Date.now();
        const pending = reader.read([{ stream: s, after: '0-0' }], { blockMs: BLOCK_MS });
        await sleep(50);
        const id = await ctx.engine.append(s, ['k', 'v']);
        const got = await pending;
        assert.deepEqual(byStream(got)[s], [{ id, fields: ['k', 'v'] }]);
        assert.ok(Date.now() - started < BLOCK_MS - 500, 'woke before the block timeout');
      } finally {
        await reader.close();
      }
    });

    it('resolves [] after blockMs when nothing arrives', async () => {
      const s = ctx.name();
      await ctx.engine.append(s, ['k', 'v']);
      const last = await ctx.engine.lastId(s);
      const reader = ctx.engine.openReader();
      try {
        const started = Date.now();
        assert.deepEqual(await reader.read([{ stream: s, after: last }], { blockMs: 150 }), []);
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 120, `waited ${elapsed} ms`);
        assert.ok(elapsed < 1_500, `returned after ${elapsed} ms`);
      } finally {
        await reader.close();
      }
    });

    it('close() interrupts a blocked read promptly, which resolves []', async () => {
      const reader = ctx.engine.openReader();
      const pending = reader.read([{ stream: ctx.name(), after: '0-0' }], { blockMs: 0 });
      await sleep(50);
      const started = Date.now();
      await reader.close();
      assert.deepEqual(await pending, []);
      assert.ok(Date.now() - started < 1_000, 'interrupted promptly');
      await reader.close();
    });

    it('interrupt() ends a blocked read promptly with [] and the reader reads on, on the same connection', async () => {
      const names = spreadNames(ctx.name('int'), 3);
      const reader = ctx.engine.openReader();
      try {
        const readers = ctx.engine.stats().readers;
        for (let round = 0; round < 3; round++) {
          const started = Date.now();
          const pending = reader.read(
            names.map((stream) => ({ stream, after: '$' })),
            { blockMs: 0 },
          );
          reader.interrupt();
          assert.deepEqual(await pending, []);
          assert.ok(Date.now() - started < 1_000, `interrupted after ${Date.now() - started} ms`);
        }
        // Nothing under way: interrupt() does nothing, and the next read blocks and wakes as usual.
        reader.interrupt();
        const last = await ctx.engine.lastId(names[1]!);
        const pending = reader.read(
          names.map((stream) => ({ stream, after: stream === names[1] ? last : '$' })),
          { blockMs: BLOCK_MS },
        );
        const id = await ctx.engine.append(names[1]!, ['k', 'v']);
        assert.deepEqual(byStream(await pending)[names[1]!], [{ id, fields: ['k', 'v'] }]);
        assert.equal(ctx.engine.stats().readers, readers);
      } finally {
        await reader.close();
      }
    });

    it('reads several streams (different slots) at once without losing an entry', async () => {
      const names = spreadNames(ctx.name('blk'), 3);
      const positions = new Map<string, string>(names.map((s) => [s, '0-0']));
      const received = new Map<string, string[]>(names.map((s) => [s, []]));
      const written = new Map<string, string[]>(names.map((s) => [s, []]));
      const reader = ctx.engine.openReader();
      try {
        const writer = (async () => {
          for (let round = 0; round < 3; round++) {
            await sleep(40);
            for (const s of round === 1 ? [...names].reverse() : names) {
              written.get(s)!.push((await ctx.engine.append(s, ['round', String(round)]))!);
            }
          }
        })();
        const deadline = Date.now() + BLOCK_MS;
        let total = 0;
        while (total < 9 && Date.now() < deadline) {
          const query: ReadPosition[] = names.map((stream) => ({ stream, after: positions.get(stream)! }));
          for (const r of await reader.read(query, { blockMs: 1_000 })) {
            assert.ok(received.has(r.stream), `unexpected stream ${r.stream}`);
            received.get(r.stream)!.push(...ids(r.entries));
            total += r.entries.length;
            const last = r.entries[r.entries.length - 1];
            if (last !== undefined) positions.set(r.stream, last.id);
          }
        }
        await writer;
        for (const s of names) assert.deepEqual(received.get(s), written.get(s), `entries of ${s}`);
      } finally {
        await reader.close();
      }
    });

    it('a blocked group read wakes up on an append', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      const reader = ctx.engine.openReader();
      try {
        const pending = reader.readGroup('g', 'c1', [{ stream: s, after: '>' }], { blockMs: BLOCK_MS });
        await sleep(50);
        const id = await ctx.engine.append(s, ['k', 'v']);
        assert.deepEqual(byStream(await pending)[s], [{ id, fields: ['k', 'v'] }]);
        assert.equal((await ctx.engine.pendingSummary(s, 'g')).count, 1);
      } finally {
        await reader.close();
      }
    });

    it('a blocked group read over several streams (different slots) wakes on an append to any of them', async () => {
      const names = spreadNames(ctx.name('blkgrp'), 3);
      for (const s of names) await ctx.engine.createGroup(s, 'g', '$');
      const reader = ctx.engine.openReader();
      try {
        const positions = names.map((stream) => ({ stream, after: '>' }));
        const target = names[2]!;
        const pending = reader.readGroup('g', 'c1', positions, { blockMs: BLOCK_MS });
        await sleep(50);
        const id = await ctx.engine.append(target, ['k', 'v']);
        assert.deepEqual(byStream(await pending), { [target]: [{ id, fields: ['k', 'v'] }] });
        const later = await ctx.engine.append(names[0]!, ['k', 'w']);
        const next = await reader.readGroup('g', 'c1', positions, { blockMs: BLOCK_MS });
        assert.deepEqual(byStream(next), { [names[0]!]: [{ id: later, fields: ['k', 'w'] }] });
      } finally {
        await reader.close();
      }
    });

    it('a group read times out with []', async () => {
      const s = ctx.name();
      await ctx.engine.createGroup(s, 'g', '$');
      const reader = ctx.engine.openReader();
      try {
        assert.deepEqual(await reader.readGroup('g', 'c1', [{ stream: s, after: '>' }], { blockMs: 100 }), []);
      } finally {
        await reader.close();
      }
    });
  });
}
