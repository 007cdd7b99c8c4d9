import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fnv1a32 } from '@streamerson/core';
import { DATABASE_FILE, FileEngine, NOTIFY_BUCKETS, NOTIFY_DIR } from '../src/index.js';

async function withStore(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-wake-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('file:// blocked group reads', () => {
  it('woken with nothing new for the group, a read checks without a write transaction, and still gets the next append', async () => {
    await withStore(async (dir) => {
      const engine = new FileEngine(dir);
      const other = new Database(join(dir, DATABASE_FILE), { readonly: true });
      const reader = engine.openReader();
      const watcher = watch(join(dir, NOTIFY_DIR));
      try {
        await engine.createGroup('s', 'g', '$');
        await engine.append('s', ['before', 'group']);
        await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]);
        const read = reader.readGroup('g', 'c', [{ stream: 's', after: '>' }], { blockMs: 0 });
        const version = (): number => other.pragma('data_version', { simple: true }) as number;
        const before = version();
        // What another process's commit would write: the stream's notification file changes.
        const woken = once(watcher, 'change');
        writeFileSync(join(dir, NOTIFY_DIR, String(fnv1a32('s') % NOTIFY_BUCKETS).padStart(2, '0')), '*');
        await woken;
        await new Promise<void>((resolve) => setImmediate(resolve));
        assert.equal(version(), before, 'no transaction was committed by the woken read');
        const id = await engine.append('s', ['n', '1']);
        assert.deepEqual(
          (await read).map((b) => b.entries.map((e) => e.id)),
          [[id]],
        );
      } finally {
        watcher.close();
        await reader.close();
        other.close();
        await engine.close();
      }
    });
  });
});
