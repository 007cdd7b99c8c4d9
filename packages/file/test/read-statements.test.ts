import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { FileBlockingReader } from '../src/index.js';
import { withEngine } from './fixtures/with-engine.js';

/** A statement run: its SQL and whether a transaction was open when it started. */
interface Run {
  readonly sql: string;
  readonly inTransaction: boolean;
}

type Method = 'run' | 'get' | 'all';

/** Records every statement run by any connection while `recording` is set. */
const runs: Run[] = [];
let recording = false;
const statementPrototype = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<Method, (...args: unknown[]) => unknown>;
const originals = new Map<Method, (...args: unknown[]) => unknown>();

/** Waits for the clock's next millisecond, so that an operation looks for expired streams again (at most once per millisecond). */
function nextMillisecond(): void {
  const now = Date.now();
  while (Date.now() === now);
}

async function recorded(fn: () => Promise<unknown>): Promise<Run[]> {
  nextMillisecond();
  runs.length = 0;
  recording = true;
  try {
    await fn();
  } finally {
    recording = false;
  }
  return [...runs];
}

const begins = (r: readonly Run[]): number => r.filter((x) => x.sql.startsWith('BEGIN')).length;
const outside = (r: readonly Run[]): string[] => r.filter((x) => !x.inTransaction && !x.sql.startsWith('BEGIN')).map((x) => x.sql);

describe('file:// reads: the statements they run', () => {
  before(() => {
    for (const method of ['run', 'get', 'all'] as const) {
      const original = statementPrototype[method];
      originals.set(method, original);
      statementPrototype[method] = function (this: Database.Statement, ...args: unknown[]) {
        if (recording) runs.push({ sql: this.source, inTransaction: this.database.inTransaction });
        return original.apply(this, args);
      };
    }
  });
  after(() => {
    for (const [method, original] of originals) statementPrototype[method] = original;
  });

  it('the search for expired streams runs inside the read transaction, and a blocking reader resolves its positions in its first attempt', async () => {
    await withEngine(async (engine) => {
      await engine.append('s', ['k', 'v']);
      const range = await recorded(() => engine.range('s', '-', '+'));
      assert.deepEqual(outside(range), []);
      assert.equal(begins(range), 1);
      const reader = engine.openReader() as FileBlockingReader;
      try {
        const read = await recorded(() => reader.read([{ stream: 's', after: '$' }], { blockMs: 1 }));
        assert.deepEqual(outside(read), []);
        // One attempt, `$` resolved in it, then the wait (nothing was appended).
        assert.equal(begins(read), 1);
      } finally {
        await reader.close();
      }
    });
  });

  it('no statement of request/reply binds a bare LIMIT parameter (SQLite would prepare it again at every run)', async () => {
    await withEngine(async (engine) => {
      await engine.createGroup('s', 'g', '0');
      const statements = await recorded(async () => {
        await engine.appendBatch([1, 2].map((n) => ({ stream: 's', fields: ['n', String(n)] })));
        const [requests] = await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]);
        const ids = requests!.entries.map((e) => e.id);
        await engine.appendAndAck(
          ids.map((id) => ({ stream: 'r', fields: ['re', id] })),
          'g',
          [{ stream: 's', ids }],
        );
        await engine.read([{ stream: 'r', after: '0' }], { count: 2 });
      });
      assert.ok(statements.some((r) => r.sql.includes('LIMIT +?')));
      assert.deepEqual(
        statements.filter((r) => /LIMIT\s+[?@:$]/.test(r.sql)).map((r) => r.sql),
        [],
      );
    });
  });

  it('a group read with nothing appended after its group last id looks for no entries', async () => {
    await withEngine(async (engine) => {
      await engine.append('s', ['k', 'v']);
      await engine.createGroup('s', 'g', '0');
      const [first] = await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]);
      assert.equal(first!.entries.length, 1);
      const read = await recorded(() => engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]));
      assert.deepEqual(
        read.filter((r) => r.sql.includes('FROM entries')).map((r) => r.sql),
        [],
      );
      await engine.append('s', ['k', 'w']);
      const [next] = await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]);
      assert.deepEqual(
        next!.entries.map((e) => e.fields.map(String)),
        [['k', 'w']],
      );
    });
  });
});
