import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makePayloads } from '../src/payload.js';
import type { ComparisonReport } from '../src/scenario.js';
import { FILE_RR_CONCURRENCY } from '../src/scenarios/file.js';
import { RawSqlite, replyStream } from '../src/scenarios/file-sqlite-raw.js';
import { useSmoke } from './smoke.js';

const smoke = useSmoke();

test('file: produce, consume and request/reply on file:// beside SQLite used directly, memory:// and Redis, each side confirming every message', async () => {
  const reports = (await smoke.run('file')) as readonly ComparisonReport[];
  assert.deepEqual(
    reports.map((r) => r.name),
    ['file:// produce', 'file:// consume', `file:// request/reply c=${FILE_RR_CONCURRENCY}`],
  );
  for (const report of reports) {
    const rr = report.name.startsWith('file:// request/reply');
    assert.deepEqual(Object.keys(report.comparison.sides).sort(), [...(rr ? ['engine'] : []), 'file', 'memory', 'redis', 'sqlite']);
    for (const side of Object.values(report.comparison.sides)) assert.ok(side.msgsPerSec.median > 0);
    assert.deepEqual(
      report.verdicts.map((v) => `${v.side} ${v.baseline}`),
      [rr ? 'engine sqlite' : 'file sqlite'],
    );
  }
});

test('file: raw SQLite deletes a stream with its entries, groups and pending rows, as the cleanup after a run asks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-bench-raw-'));
  const raw = new RawSqlite(dir);
  try {
    const payloads = makePayloads(4, 64);
    assert.equal(await raw.requestReply('kept', payloads, 8, 4), 8);
    assert.equal(await raw.requestReply('gone', payloads, 8, 4), 8);
    raw.deleteStreams(['gone', replyStream('gone')]);
    const rows = (table: string, column: string, stream: string): number =>
      raw.db.prepare(`SELECT count(*) FROM ${table} WHERE ${column} = ?`).pluck().get(stream) as number;
    for (const stream of ['gone', replyStream('gone')]) {
      assert.deepEqual(
        [rows('streams', 'name', stream), rows('entries', 'stream', stream), rows('groups', 'stream', stream), rows('pending', 'stream', stream)],
        [0, 0, 0, 0],
      );
    }
    assert.equal(raw.count('kept'), 8);
    assert.equal(raw.count(replyStream('kept')), 8);
    assert.equal(rows('groups', 'stream', 'kept'), 1);
  } finally {
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
