import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { entryQuery, selectEntries } from '../src/engine/entry-batch.js';
import type { EntryRow } from '../src/engine/entry-codec.js';
import type { FileStore } from '../src/engine/store.js';
import { withEngine } from './fixtures/with-engine.js';

/** Bytes that are not valid UTF-8 text, with NULs inside and at both ends, of a size that varies with `i`. */
function binary(i: number): Buffer {
  const b = Buffer.alloc(1 + (i % 7) * 300);
  for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) % 256;
  b[0] = 0;
  b[b.length - 1] = 0;
  if (b.length > 2) b[1] = 0xff;
  return b;
}

describe('file:// entries read as one batch (group_concat of their BLOBs)', () => {
  it('gives back every entry, in id order, its bytes unchanged, to plain and group reads', async () => {
    await withEngine(async (engine) => {
      const n = 300;
      const values = Array.from({ length: n }, (_, i) => binary(i));
      // Two streams, so that a read stops at its own stream's last entry.
      const ids = await engine.appendBatch(
        values.flatMap((v) => [
          { stream: 's', fields: ['v', v] },
          { stream: 's2', fields: [v, 'v'] },
        ]),
      );
      const mine = ids.filter((_, i) => i % 2 === 0);
      const [plain] = await engine.read([{ stream: 's', after: '0' }], { count: n + 1 });
      assert.deepEqual(
        plain!.entries.map((e) => e.id),
        mine,
      );
      assert.deepEqual(
        plain!.entries.map((e) => e.fields),
        values.map((v) => [Buffer.from('v'), v]),
      );
      await engine.createGroup('s2', 'g', '0');
      const [group] = await engine.readGroup('g', 'c', [{ stream: 's2', after: '>' }], { count: 10 });
      assert.deepEqual(
        group!.entries.map((e) => e.fields),
        values.slice(0, 10).map((v) => [v, Buffer.from('v')]),
      );
      assert.deepEqual(await engine.read([{ stream: 's', after: mine[n - 1]! }]), []);
    });
  });

  it('reads row by row when the batch would pass SQLite largest value (SQLITE_TOOBIG)', () => {
    const rows: EntryRow[] = [{ ms: 1, seq: 0, data: Buffer.from('x') }];
    const query = entryQuery('SELECT ms, seq, data FROM entries');
    const asked: string[] = [];
    const store = {
      sqlRaw: (text: string) => {
        asked.push(text);
        return {
          get: () => {
            throw Object.assign(new Error('string or blob too big'), { code: 'SQLITE_TOOBIG' });
          },
        };
      },
      sql: (text: string) => {
        asked.push(text);
        return { all: () => rows };
      },
    } as unknown as FileStore;
    assert.equal(selectEntries(store, query, []), rows);
    assert.deepEqual(asked, [query.batch, query.rows]);
  });

  it('gives rows a hidden class of their own, not that of every object literal { ms, seq, data }', () => {
    // V8's own view (natives syntax, in a child process): literals of the same keys share a map, the rows must not.
    const script = `
      const { selectEntries } = await import(${JSON.stringify(new URL('../src/engine/entry-batch.js', import.meta.url).href)});
      const store = { sqlRaw: () => ({ get: () => ['5,0,1,5,1,1', Buffer.from('xy')] }) };
      const [row] = selectEntries(store, { batch: 'batch', rows: 'rows' }, []);
      const literal = () => ({ ms: 5, seq: 0, data: Buffer.from('x') });
      console.log(JSON.stringify([%HaveSameMap(literal(), literal()), %HaveSameMap(row, literal()), row.ms, row.seq, String(row.data)]));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), [true, false, 5, 0, 'x']);
  });
});
