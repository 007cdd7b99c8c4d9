import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { DATABASE_FILE, FileEngine, FORMAT_VERSION } from '../src/index.js';

const OPEN_STORE = new URL('./fixtures/open-store.js', import.meta.url).pathname;
/** The user a test runs the child as when it runs as root (root may write anywhere). */
const NOBODY = 65_534;

/** Opens `dir` in another process (as an unprivileged user when `unprivileged`); resolves its one line of output. */
async function openInChild(dir: string, unprivileged = false): Promise<{ ok?: string; code?: string; name?: string; message?: string }> {
  const asNobody = unprivileged && process.getuid?.() === 0;
  const { stdout } = await promisify(execFile)(process.execPath, [OPEN_STORE, dir], asNobody ? { uid: NOBODY, gid: NOBODY } : {});
  const line = stdout.trim();
  assert.equal(line.split('\n').length, 1, `one line: ${line}`);
  return line.startsWith('ok ') ? { ok: line.slice(3) } : JSON.parse(line);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-bad-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** A store with one entry in `stream`; resolves its id. */
async function storeWithEntry(dir: string, stream: string): Promise<string> {
  const engine = new FileEngine(dir);
  const id = await engine.append(stream, ['keep', 'me']);
  await engine.close();
  return id!;
}

describe('file:// bad input', () => {
  it('a directory that cannot be written: ERR_STREAMERSON_FILE_ACCESS naming it, the stored entries untouched', async () => {
    const dir = tempDir();
    try {
      const store = join(dir, 'store');
      const id = await storeWithEntry(store, 'kept');
      chmodSync(store, 0o555);
      chmodSync(join(store, DATABASE_FILE), 0o444);
      const sub = join(dir, 'missing', 'store');
      chmodSync(dir, 0o555);
      for (const target of [store, sub]) {
        const got = await openInChild(target, true);
        assert.equal(got.code, 'ERR_STREAMERSON_FILE_ACCESS', JSON.stringify(got));
        assert.equal(got.name, 'FileAccessError');
        assert.ok(got.message!.includes(target), got.message);
      }
      chmodSync(dir, 0o755);
      chmodSync(store, 0o755);
      chmodSync(join(store, DATABASE_FILE), 0o644);
      const engine = new FileEngine(store);
      assert.deepEqual(
        (await engine.range('kept', '-', '+')).map((e) => e.id),
        [id],
      );
      assert.equal(await engine.length('probe'), 0, 'the refused process wrote nothing');
      await engine.close();
    } finally {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that is not a database: ERR_STREAMERSON_FILE_CORRUPT naming it, the file left byte for byte', async () => {
    const dir = tempDir();
    try {
      const garbage = Buffer.from('these bytes are not a SQLite database, and must stay as they are\n'.repeat(100));
      writeFileSync(join(dir, DATABASE_FILE), garbage);
      const got = await openInChild(dir);
      assert.equal(got.code, 'ERR_STREAMERSON_FILE_CORRUPT', JSON.stringify(got));
      assert.equal(got.name, 'FileCorruptError');
      assert.ok(got.message!.includes(dir), got.message);
      assert.deepEqual(readFileSync(join(dir, DATABASE_FILE)), garbage);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store of another format version, opened by a second process: ERR_STREAMERSON_FILE_FORMAT, nothing changed', async () => {
    const dir = tempDir();
    try {
      const id = await storeWithEntry(dir, 'kept');
      // The store as a later version of the package would leave it, held open by that process.
      const newer = new Database(join(dir, DATABASE_FILE));
      newer.pragma(`user_version = ${FORMAT_VERSION + 1}`);
      try {
        const got = await openInChild(dir);
        assert.equal(got.code, 'ERR_STREAMERSON_FILE_FORMAT', JSON.stringify(got));
        assert.equal(got.name, 'FileFormatError');
        assert.match(got.message!, new RegExp(`format version ${FORMAT_VERSION + 1}.*reads version ${FORMAT_VERSION}`));
        assert.equal(newer.pragma('user_version', { simple: true }), FORMAT_VERSION + 1);
        assert.equal((newer.prepare("SELECT count(*) AS n FROM entries WHERE stream = 'probe'").get() as { n: number }).n, 0);
      } finally {
        newer.pragma(`user_version = ${FORMAT_VERSION}`);
        newer.close();
      }
      const engine = new FileEngine(dir);
      assert.deepEqual(
        (await engine.range('kept', '-', '+')).map((e) => e.id),
        [id],
      );
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database of another program: ERR_STREAMERSON_FILE_FORMAT, its tables untouched', async () => {
    const dir = tempDir();
    try {
      const other = new Database(join(dir, DATABASE_FILE));
      other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
      other.close();
      const got = await openInChild(dir);
      assert.equal(got.code, 'ERR_STREAMERSON_FILE_FORMAT', JSON.stringify(got));
      assert.match(got.message!, /not written by Streamerson/);
      const again = new Database(join(dir, DATABASE_FILE), { readonly: true });
      assert.deepEqual(again.prepare('SELECT body FROM notes').all(), [{ body: 'mine' }]);
      assert.deepEqual(again.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all(), [{ name: 'notes' }]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file:// URL without a directory is ERR_STREAMERSON_INVALID_URL', async () => {
    const { connect } = await import('@streamerson/core');
    await assert.rejects(connect('file://'), { code: 'ERR_STREAMERSON_INVALID_URL' });
    await assert.rejects(connect('file:///tmp/x?sync=full'), { code: 'ERR_STREAMERSON_INVALID_URL' });
  });
});
