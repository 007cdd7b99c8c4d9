import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, FileEngine } from '../src/index.js';

function indexes(dir: string): string[] {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'pending' AND sql IS NOT NULL").pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('file:// schema', () => {
  it('a store made with the pending index by consumer loses it on opening; its pending entries and their consumers are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamerson-schema-'));
    try {
      const first = new FileEngine(dir);
      await first.createGroup('s', 'g', '0');
      await first.appendBatch([1, 2, 3].map((n) => ({ stream: 's', fields: ['n', String(n)] })));
      await first.readGroup('g', 'a', [{ stream: 's', after: '>' }], { count: 2 });
      await first.readGroup('g', 'b', [{ stream: 's', after: '>' }], { count: 1 });
      await first.close();
      const old = new Database(join(dir, DATABASE_FILE));
      old.exec('CREATE INDEX pending_by_consumer ON pending (stream, grp, consumer, ms, seq)');
      old.close();
      assert.deepEqual(indexes(dir), ['pending_by_consumer']);

      const engine = new FileEngine(dir);
      try {
        assert.deepEqual(indexes(dir), []);
        const info = await engine.info('s');
        assert.deepEqual(
          info!.groups[0]!.consumers.map((c) => [c.name, c.pending]),
          [
            ['a', 2],
            ['b', 1],
          ],
        );
        assert.equal(info!.groups[0]!.pending, 3);
        const own = await engine.readGroup('g', 'a', [{ stream: 's', after: '0' }]);
        assert.deepEqual(
          own[0]!.entries.map((e) => e.fields.map(String)),
          [
            ['n', '1'],
            ['n', '2'],
          ],
        );
        assert.deepEqual(
          (await engine.pendingRange('s', 'g', { count: 10, consumer: 'b' })).map((p) => p.consumer),
          ['b'],
        );
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
