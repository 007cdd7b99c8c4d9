import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStore, releaseStore } from '../src/engine/store.js';

describe('file:// prepared statements', () => {
  it('a LIMIT bound as a bare parameter is refused, LIMIT +? is prepared once, in both row modes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamerson-file-'));
    const store = acquireStore(dir, 1_000);
    try {
      for (const text of ['SELECT name FROM streams LIMIT ?', 'SELECT name FROM streams LIMIT @n', 'SELECT name FROM streams limit  :n']) {
        assert.throws(() => store.sql(text), /LIMIT \+\?/);
        assert.throws(() => store.sqlRaw(text), /LIMIT \+\?/);
      }
      const planned = 'SELECT name FROM streams LIMIT +?';
      assert.equal(store.sql(planned), store.sql(planned));
      assert.equal(store.sqlRaw(planned), store.sqlRaw(planned));
      assert.notEqual(store.sql(planned), store.sqlRaw(planned));
      assert.deepEqual(store.sqlRaw('SELECT 1, 2 LIMIT +?').all(1), [[1, 2]]);
    } finally {
      releaseStore(store);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
