import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { sleep } from '@streamerson/testkit';
import { compareStreamIds } from '@streamerson/core';
import { fill, ids, rejectsWithCode, texts, it, type SuiteContext } from './context.js';
import { keySlot, spreadNames } from './slots.js';

/** Appends: ids, explicit ids, binary fields, batches, retention, NOMKSTREAM, idempotent appends. */
export function appendTests(ctx: SuiteContext): void {
  describe('append', () => {
    it('returns increasing ids of the form <ms>-<seq>', async () => {
      const s = ctx.name();
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push((await ctx.engine.append(s, ['i', String(i)]))!);
      for (const id of got) assert.match(id, /^\d+-\d+$/);
      for (let i = 1; i < got.length; i++) assert.equal(compareStreamIds(got[i - 1]!, got[i]!), -1, `${got[i - 1]} < ${got[i]}`);
      assert.equal(await ctx.engine.length(s), 5);
    });

    it('accepts an explicit id, and generates ids above it afterwards', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.append(s, ['a', '1'], { id: '5-1' }), '5-1');
      assert.equal(await ctx.engine.append(s, ['a', '2'], { id: '5-2' }), '5-2');
      const next = await ctx.engine.append(s, ['a', '3']);
      assert.equal(compareStreamIds(next!, '5-2'), 1);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), ['5-1', '5-2', next]);
    });

    it('rejects an explicit id not above the last one with ERR_STREAMERSON_ID_TOO_SMALL', async () => {
      const s = ctx.name();
      await ctx.engine.append(s, ['a', '1'], { id: '5-1' });
      await rejectsWithCode(ctx.engine.append(s, ['a', '2'], { id: '5-1' }), 'ERR_STREAMERSON_ID_TOO_SMALL');
      await rejectsWithCode(ctx.engine.append(s, ['a', '2'], { id: '4-9' }), 'ERR_STREAMERSON_ID_TOO_SMALL');
      await rejectsWithCode(ctx.engine.append(ctx.name(), ['a', '1'], { id: '0-0' }), 'ERR_STREAMERSON_ID_TOO_SMALL');
      assert.equal(await ctx.engine.length(s), 1);
    });

    it('rejects a malformed id with ERR_STREAMERSON_INVALID_ID', async () => {
      const s = ctx.name();
      await rejectsWithCode(ctx.engine.append(s, ['a', '1'], { id: 'abc' }), 'ERR_STREAMERSON_INVALID_ID');
      await rejectsWithCode(ctx.engine.append(s, ['a', '1'], { id: '1-2-3' }), 'ERR_STREAMERSON_INVALID_ID');
      await rejectsWithCode(ctx.engine.range(s, 'x', '+'), 'ERR_STREAMERSON_INVALID_ID');
      assert.equal(await ctx.engine.length(s), 0);
    });

    it('round-trips binary field names and values byte for byte', async () => {
      const s = ctx.name();
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0d, 0x0a]);
      const empty = Buffer.alloc(0);
      const fields = [Buffer.from([0x00, 0xff]), all, 'text', invalidUtf8, 'empty', empty, 'ünïcödé ✓', '€'];
      const id = await ctx.engine.append(s, fields);
      const [entry] = await ctx.engine.range(s, '-', '+');
      assert.equal(entry?.id, id);
      const expected = fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
      assert.equal(entry.fields.length, expected.length);
      entry.fields.forEach((f, i) => {
        assert.ok(Buffer.isBuffer(f), `field ${i} is a Buffer`);
        assert.ok(f.equals(expected[i]!), `field ${i} differs: ${f.toString('hex')} != ${expected[i]!.toString('hex')}`);
      });
    });

    it('preserves field order, including repeated field names', async () => {
      const s = ctx.name();
      const fields = ['z', '1', 'a', '2', 'm', '3', 'a', '4'];
      await ctx.engine.append(s, fields);
      const [entry] = await ctx.engine.range(s, '-', '+');
      assert.deepEqual(entry && texts([entry])[0]!.fields, fields);
    });

    it('appendBatch writes to several streams (different slots) and returns ids in input order', async () => {
      const [a, b, c] = spreadNames(ctx.name('batch'), 3) as [string, string, string];
      assert.equal(new Set([keySlot(a), keySlot(b), keySlot(c)]).size, 3);
      const missing = ctx.name('missing');
      const got = await ctx.engine.appendBatch([
        { stream: a, fields: ['n', 'a1'] },
        { stream: b, fields: ['n', 'b1'] },
        { stream: missing, fields: ['n', 'x'], noMkStream: true },
        { stream: c, fields: ['n', 'c1'] },
        { stream: a, fields: ['n', 'a2'] },
        { stream: b, fields: ['n', 'b2'], id: '99999999999999-0' },
      ]);
      assert.equal(got.length, 6);
      assert.equal(got[2], null);
      assert.equal(got[5], '99999999999999-0');
      assert.deepEqual(texts(await ctx.engine.range(a, '-', '+')), [
        { id: got[0], fields: ['n', 'a1'] },
        { id: got[4], fields: ['n', 'a2'] },
      ]);
      assert.deepEqual(texts(await ctx.engine.range(b, '-', '+')), [
        { id: got[1], fields: ['n', 'b1'] },
        { id: got[5], fields: ['n', 'b2'] },
      ]);
      assert.deepEqual(texts(await ctx.engine.range(c, '-', '+')), [{ id: got[3], fields: ['n', 'c1'] }]);
      assert.equal(compareStreamIds(got[0]!, got[4]!), -1);
      assert.equal(await ctx.engine.length(missing), 0);
      assert.deepEqual(await ctx.engine.appendBatch([]), []);
    });

    it('retention maxLen exact keeps exactly the newest entries', async () => {
      const s = ctx.name();
      const written: string[] = [];
      for (let i = 0; i < 10; i++) {
        written.push((await ctx.engine.append(s, ['i', String(i)], { retention: { maxLen: 3, approximate: false } }))!);
      }
      assert.equal(await ctx.engine.length(s), 3);
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), written.slice(-3));
    });

    it('retention maxLen approximate keeps at least maxLen and stays bounded', async () => {
      const s = ctx.name();
      const items = Array.from({ length: 400 }, (_, i) => ({
        stream: s,
        fields: ['i', String(i)],
        retention: { maxLen: 10 },
      }));
      const written = await ctx.engine.appendBatch(items);
      const length = await ctx.engine.length(s);
      assert.ok(length >= 10, `length ${length} >= 10`);
      // Redis trims whole nodes of up to 100 entries; 400 entries must not all stay.
      assert.ok(length <= 250, `length ${length} bounded`);
      const [last] = await ctx.engine.revRange(s, '+', '-', 1);
      assert.equal(last?.id, written[written.length - 1]);
    });

    it('retention minId drops entries older than the id', async () => {
      const s = ctx.name();
      for (let i = 1; i <= 5; i++) await ctx.engine.append(s, ['i', String(i)], { id: `${i}-0` });
      assert.equal(await ctx.engine.append(s, ['i', '6'], { id: '6-0', retention: { minId: '4-0', approximate: false } }), '6-0');
      assert.deepEqual(ids(await ctx.engine.range(s, '-', '+')), ['4-0', '5-0', '6-0']);
    });

    it('noMkStream on a missing stream resolves null and creates nothing', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.append(s, ['a', '1'], { noMkStream: true }), null);
      assert.equal(await ctx.engine.length(s), 0);
      assert.equal(await ctx.engine.info(s), null);
      const id = await ctx.engine.append(s, ['a', '1']);
      const second = await ctx.engine.append(s, ['a', '2'], { noMkStream: true });
      assert.ok(second !== null && compareStreamIds(second, id!) === 1);
      assert.equal(await ctx.engine.length(s), 2);
    });
  });

  describe('appendAndAck', () => {
    it('appends, then acknowledges: replies written and requests acked in one call', async () => {
      const requests = ctx.name();
      const replies = ctx.name();
      await ctx.engine.createGroup(requests, 'g', '0');
      await fill(ctx.engine, requests, 3);
      const [taken] = await ctx.engine.readGroup('g', 'c', [{ stream: requests, after: '>' }], { count: 10 });
      const takenIds = taken!.entries.map((e) => e.id);
      await ctx.engine.appendAndAck(
        takenIds.map((id) => ({ stream: replies, fields: ['re', id] })),
        'g',
        [{ stream: requests, ids: takenIds.slice(0, 2) }],
      );
      assert.deepEqual(
        texts(await ctx.engine.range(replies, '-', '+')).map((e) => e.fields[1]),
        takenIds,
      );
      const pending = await ctx.engine.pendingSummary(requests, 'g');
      assert.equal(pending.count, 1);
      assert.equal(pending.lowestId, takenIds[2]);
    });

    it('an append the engine refuses applies no ack', async () => {
      const requests = ctx.name();
      await ctx.engine.createGroup(requests, 'g', '0');
      await fill(ctx.engine, requests, 1);
      const [taken] = await ctx.engine.readGroup('g', 'c', [{ stream: requests, after: '>' }], { count: 10 });
      const id = taken!.entries[0]!.id;
      await assert.rejects(ctx.engine.appendAndAck([{ stream: ctx.name(), fields: ['odd'] }], 'g', [{ stream: requests, ids: [id] }]));
      assert.equal((await ctx.engine.pendingSummary(requests, 'g')).count, 1);
    });
  });

  describe('appendIdempotent', () => {
    it('returns the first id for a duplicate within the window and writes nothing; appends again after the window', async () => {
      const s = ctx.name();
      const windowMs = 150;
      const first = await ctx.engine.appendIdempotent(s, ['v', '1'], 'msg-1', windowMs);
      assert.equal(first.duplicate, false);
      assert.match(first.id, /^\d+-\d+$/);
      const dup = await ctx.engine.appendIdempotent(s, ['v', '2'], 'msg-1', windowMs);
      assert.deepEqual(dup, { id: first.id, duplicate: true });
      assert.equal(await ctx.engine.length(s), 1);
      const other = await ctx.engine.appendIdempotent(s, ['v', '3'], 'msg-2', windowMs);
      assert.equal(other.duplicate, false);
      assert.notEqual(other.id, first.id);
      const elsewhere = await ctx.engine.appendIdempotent(ctx.name(), ['v', '4'], 'msg-1', windowMs);
      assert.equal(elsewhere.duplicate, false, 'the dedupe window is per stream');
      await sleep(windowMs + 100);
      const again = await ctx.engine.appendIdempotent(s, ['v', '5'], 'msg-1', windowMs);
      assert.equal(again.duplicate, false);
      assert.equal(compareStreamIds(again.id, other.id), 1);
      assert.deepEqual(
        texts(await ctx.engine.range(s, '-', '+')).map((e) => e.fields[1]),
        ['1', '3', '5'],
      );
    });

    it('idempotentId returns the recorded id while the window lasts, then null', async () => {
      const s = ctx.name();
      assert.equal(await ctx.engine.idempotentId(s, 'k'), null);
      const first = await ctx.engine.appendIdempotent(s, ['v', '1'], 'k', 150);
      assert.equal(await ctx.engine.idempotentId(s, 'k'), first.id);
      assert.equal(await ctx.engine.idempotentId(ctx.name(), 'k'), null, 'records are per stream');
      await sleep(250);
      assert.equal(await ctx.engine.idempotentId(s, 'k'), null);
      await assert.rejects(ctx.engine.idempotentId(s, ''), { code: 'ERR_STREAMERSON_INVALID_OPTION' });
    });

    it('honours append options (explicit id, retention)', async () => {
      const s = ctx.name();
      await fill(ctx.engine, s, 3);
      const r = await ctx.engine.appendIdempotent(s, ['v', 'x'], 'm', 1_000, {
        id: '99999999999999-7',
        retention: { maxLen: 2, approximate: false },
      });
      assert.deepEqual(r, { id: '99999999999999-7', duplicate: false });
      assert.equal(await ctx.engine.length(s), 2);
    });
  });
}
