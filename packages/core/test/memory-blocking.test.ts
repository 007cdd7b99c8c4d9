import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine, StreamersonError, type BlockingReader, type StreamEntries } from '../src/index.js';
import type { MemoryBlockingReader } from '../src/memory/blocking-reader.js';

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;
const closed = (e: unknown): boolean => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_CLOSED';
const ids = (result: readonly StreamEntries[]): string[][] => result.map((r) => r.entries.map((e) => e.id));
/** A memory reader registers a blocked read when it is called: no wait is needed before acting on it. */
const assertBlocked = (...readers: BlockingReader[]): void => {
  for (const r of readers) assert.equal((r as MemoryBlockingReader).blocked.size, 1, 'the read is blocked');
};

test('a blocking read on $ wakes up with entries appended after the call', async () => {
  await using engine = new MemoryEngine(unique('block'));
  await engine.append('s', ['f', 'old'], { id: '1-1' });
  const reader = engine.openReader();
  const started = Date.now();
  const pending = reader.read(
    [
      { stream: 's', after: '$' },
      { stream: 'other', after: '$' },
    ],
    { blockMs: 2_000 },
  );
  assertBlocked(reader);
  await engine.append('other', ['f', 'new'], { id: '5-1' });
  const result = await pending;
  assert.deepEqual(
    result.map((r) => r.stream),
    ['other'],
  );
  assert.deepEqual(ids(result), [['5-1']]);
  assert.ok(Date.now() - started < 1_000);
  await reader.close();
});

test('a blocking read returns at once when entries are there, and [] after its timeout', async () => {
  await using engine = new MemoryEngine(unique('block'));
  await engine.append('s', ['f', 'v'], { id: '1-1' });
  const reader = engine.openReader();
  assert.deepEqual(ids(await reader.read([{ stream: 's', after: '0' }], { blockMs: 5_000 })), [['1-1']]);
  const started = Date.now();
  assert.deepEqual(await reader.read([{ stream: 's', after: '1-1' }], { blockMs: 60 }), []);
  const waited = Date.now() - started;
  assert.ok(waited >= 55 && waited < 1_000, `waited ${waited} ms`);
  await reader.close();
});

test('closing a reader resolves its waiting read with [] and later calls reject CLOSED', async () => {
  await using engine = new MemoryEngine(unique('block'));
  const reader = engine.openReader();
  const pending = reader.read([{ stream: 's', after: '$' }], { blockMs: 0 });
  assertBlocked(reader);
  await reader.close();
  assert.deepEqual(await pending, []);
  await reader.close();
  await assert.rejects(reader.read([{ stream: 's', after: '$' }], { blockMs: 10 }), closed);
  // The waiter is gone: a later append is not read by anybody.
  await engine.append('s', ['f', 'v']);
});

test('closing the engine interrupts its readers; readers of a closed engine reject CLOSED', async () => {
  const engine = new MemoryEngine(unique('block'));
  await engine.createGroup('s', 'g');
  const reader = engine.openReader();
  const pending = reader.readGroup('g', 'c', [{ stream: 's', after: '>' }], { blockMs: 0 });
  assertBlocked(reader);
  await engine.close();
  assert.deepEqual(await pending, []);
  await assert.rejects(reader.readGroup('g', 'c', [{ stream: 's', after: '>' }], { blockMs: 10 }), closed);
  await assert.rejects(engine.openReader().read([{ stream: 's', after: '0' }]), closed);
});

test('blocked group readers are served first come, first served, each getting new entries', async () => {
  await using engine = new MemoryEngine(unique('block'));
  await engine.createGroup('s', 'g');
  const r1 = engine.openReader();
  const r2 = engine.openReader();
  const first = r1.readGroup('g', 'one', [{ stream: 's', after: '>' }], { blockMs: 2_000, count: 1 });
  const second = r2.readGroup('g', 'two', [{ stream: 's', after: '>' }], { blockMs: 2_000, count: 1 });
  assertBlocked(r1, r2);
  const [a, b] = await engine.appendBatch([
    { stream: 's', fields: ['f', '1'] },
    { stream: 's', fields: ['f', '2'] },
  ]);
  assert.deepEqual(ids(await first), [[a!]]);
  assert.deepEqual(ids(await second), [[b!]]);
  const pending = await engine.pendingRange('s', 'g', { count: 10 });
  assert.deepEqual(
    pending.map((p) => p.consumer),
    ['one', 'two'],
  );
  await r1.close();
  await r2.close();
});

test('a blocked group read fails with NO_GROUP when its group is destroyed', async () => {
  await using engine = new MemoryEngine(unique('block'));
  await engine.createGroup('s', 'g');
  const reader = engine.openReader();
  const pending = reader.readGroup('g', 'c', [{ stream: 's', after: '>' }], { blockMs: 2_000 });
  assertBlocked(reader);
  await engine.destroyGroup('s', 'g');
  await assert.rejects(pending, (e) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_NO_GROUP');
  await reader.close();
});

test('group reads by id never block', async () => {
  await using engine = new MemoryEngine(unique('block'));
  await engine.createGroup('s', 'g');
  const reader = engine.openReader();
  const started = Date.now();
  assert.deepEqual(await reader.readGroup('g', 'c', [{ stream: 's', after: '0' }], { blockMs: 5_000 }), [{ stream: 's', entries: [] }]);
  assert.ok(Date.now() - started < 1_000);
  await reader.close();
});

test('many timed-out reads leave no waiters behind', async () => {
  await using engine = new MemoryEngine(unique('block'));
  const reader = engine.openReader();
  await Promise.all(Array.from({ length: 50 }, (_, i) => reader.read([{ stream: `s${i % 5}`, after: '$' }], { blockMs: 5 })));
  const blocked = reader.read([{ stream: 's0', after: '$' }], { blockMs: 1_000 });
  await engine.append('s0', ['f', 'v'], { id: '9-9' });
  assert.deepEqual(ids(await blocked), [['9-9']]);
  const store = (engine as unknown as { store: { waiters: { size: number } } }).store;
  assert.equal(store.waiters.size, 0);
  await reader.close();
  assert.equal((reader as unknown as { blocked: { size: number } }).blocked.size, 0);
});

test('engine reads refuse blockMs', async () => {
  await using engine = new MemoryEngine(unique('block'));
  const read = engine.read as (p: unknown, o: unknown) => Promise<unknown>;
  await assert.rejects(
    read.call(engine, [{ stream: 's', after: '0' }], { blockMs: 10 }),
    (e) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_INVALID_OPTION',
  );
});
