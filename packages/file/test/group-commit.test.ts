import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, FileEngine, MAX_GROUP_COMMIT } from '../src/index.js';

async function withStore(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-group-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('file:// group commit', () => {
  it('writes called in one turn commit together, in call order; an operation called after them sees them', async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir);
      const other = new Database(join(dir, DATABASE_FILE), { readonly: true });
      try {
        const appends = [
          engine.append('s', ['n', '1']),
          engine.appendBatch([
            { stream: 's', fields: ['n', '2'] },
            { stream: 't', fields: ['n', '3'] },
          ]),
        ];
        // Not yet committed: another connection sees nothing before the turn ends.
        assert.equal(other.prepare('SELECT count(*) FROM entries').pluck().get(), 0);
        const length = engine.length('s');
        assert.equal(await length, 2, 'a read called after the writes runs them first');
        const [first, [second, third]] = (await Promise.all(appends)) as [string, string[]];
        assert.ok(first < second!, `${first} before ${second}`);
        assert.deepEqual(
          (await engine.range('s', '-', '+')).map((e) => e.fields.map(String)),
          [
            ['n', '1'],
            ['n', '2'],
          ],
        );
        assert.equal((await engine.range('t', '-', '+'))[0]!.id, third);
        assert.equal(other.prepare('SELECT count(*) FROM entries').pluck().get(), 3, 'committed for other connections');
      } finally {
        other.close();
        await engine.close();
      }
    });
  });

  it('a write refused inside a group rejects alone; the others of its group commit', async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir);
      try {
        const before = engine.append('s', ['a', '1'], { id: '5-0' });
        const refused = engine.append('s', ['b', '2'], { id: '4-0' });
        const acked = engine.ack('s', 'no-such-group', ['1-0']);
        const after = engine.append('s', ['c', '3'], { id: '6-0' });
        assert.equal(await before, '5-0');
        await assert.rejects(refused, (e: Error & { code?: string }) => e.code === 'ERR_STREAMERSON_ID_TOO_SMALL');
        assert.equal(await acked, 0);
        assert.equal(await after, '6-0');
        assert.deepEqual(
          (await engine.range('s', '-', '+')).map((e) => e.id),
          ['5-0', '6-0'],
        );
      } finally {
        await engine.close();
      }
    });
  });

  it(`more than ${MAX_GROUP_COMMIT} writes in one turn all commit, in order`, async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir);
      try {
        const n = MAX_GROUP_COMMIT * 2 + 3;
        const ids = await Promise.all(Array.from({ length: n }, (_, i) => engine.append('s', ['i', String(i)])));
        const entries = await engine.range('s', '-', '+');
        assert.deepEqual(
          entries.map((e) => e.id),
          ids,
        );
        assert.deepEqual(
          entries.map((e) => String(e.fields[1])),
          Array.from({ length: n }, (_, i) => String(i)),
        );
      } finally {
        await engine.close();
      }
    });
  });

  it('single appends to one stream in one turn run as one batch: each refused one rejects alone, the counters count the others once each', async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir);
      try {
        const results = await Promise.allSettled([
          engine.append('s', ['n', '1'], { id: '10-0' }),
          engine.append('s', ['n', '2'], { id: '9-0' }),
          engine.append('s', [] as unknown as string[]),
          engine.append('s', ['n', '3'], { id: '11-*' }),
          engine.append('t', ['n', '4'], { id: '5-0' }),
          engine.append('s', ['n', '5'], { id: '12-0', noMkStream: true }),
          engine.append('u', ['n', '6'], { noMkStream: true }),
        ]);
        assert.deepEqual(
          results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as { code: string }).code)),
          ['10-0', 'ERR_STREAMERSON_ID_TOO_SMALL', 'ERR_STREAMERSON_ENGINE', '11-0', '5-0', '12-0', null],
        );
        const info = await engine.info('s');
        assert.equal(info!.length, 3);
        assert.equal(info!.entriesAdded, 3);
        assert.equal(info!.lastGeneratedId, '12-0');
        assert.deepEqual(
          (await engine.range('s', '-', '+')).map((e) => String(e.fields[1])),
          ['1', '3', '5'],
        );
        assert.equal(await engine.length('t'), 1);
        assert.equal(await engine.length('u'), 0);
      } finally {
        await engine.close();
      }
    });
  });

  it('a group whose transaction cannot start (another process holds the write lock) rejects every write, and nothing is written', async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir, { busyTimeoutMs: 20 });
      const holder = new Database(join(dir, DATABASE_FILE));
      try {
        holder.prepare('BEGIN IMMEDIATE').run();
        const writes = [engine.append('s', ['a', '1']), engine.appendBatch([{ stream: 's', fields: ['b', '2'] }])];
        const results = await Promise.allSettled(writes);
        for (const r of results) {
          assert.equal(r.status, 'rejected');
          const error = (r as PromiseRejectedResult).reason as Error & { code?: string };
          assert.equal(error.code, 'ERR_STREAMERSON_ENGINE');
          assert.match(error.message, /locked|busy/i);
        }
        holder.prepare('ROLLBACK').run();
        assert.equal(await engine.length('s'), 0);
        const id = await engine.append('s', ['c', '3']);
        assert.deepEqual(
          (await engine.range('s', '-', '+')).map((e) => e.id),
          [id],
          'the store takes writes again once the lock is free',
        );
      } finally {
        holder.close();
        await engine.close();
      }
    });
  });
});
