import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine, StreamersonError } from '../src/index.js';

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;

function code(error: unknown): string | undefined {
  return error instanceof StreamersonError ? error.code : undefined;
}

test('auto ids use the clock and stay increasing when the clock goes back', async (t) => {
  await using engine = new MemoryEngine(unique('ids'));
  let now = 1_000;
  mock.method(Date, 'now', () => now);
  t.after(() => mock.restoreAll());
  assert.equal(await engine.append('s', ['f', 'v']), '1000-0');
  assert.equal(await engine.append('s', ['f', 'v']), '1000-1');
  now = 900;
  assert.equal(await engine.append('s', ['f', 'v']), '1000-2');
  now = 1_001;
  assert.equal(await engine.append('s', ['f', 'v']), '1001-0');
  assert.equal(await engine.lastId('s'), '1001-0');
  // Each stream counts on its own.
  now = 5;
  assert.equal(await engine.append('other', ['f', 'v']), '5-0');
});

test('explicit ids must grow; <ms>-* picks the next sequence', async () => {
  await using engine = new MemoryEngine(unique('ids'));
  assert.equal(await engine.append('s', ['f', 'v'], { id: '5' }), '5-0');
  assert.equal(await engine.append('s', ['f', 'v'], { id: '5-*' }), '5-1');
  assert.equal(await engine.append('s', ['f', 'v'], { id: '7-*' }), '7-0');
  assert.equal(await engine.append('s', ['f', 'v'], { id: '7-10' }), '7-10');
  for (const id of ['7-10', '7-9', '6-*', '6-100']) {
    await assert.rejects(engine.append('s', ['f', 'v'], { id }), (e) => code(e) === 'ERR_STREAMERSON_ID_TOO_SMALL', id);
  }
  await assert.rejects(engine.append('fresh', ['f', 'v'], { id: '0-0' }), (e) => code(e) === 'ERR_STREAMERSON_ID_TOO_SMALL');
  assert.equal(await engine.append('fresh', ['f', 'v'], { id: '0-*' }), '0-1');
  assert.equal(await engine.length('s'), 4);
});

test('invalid ids reject with INVALID_ID everywhere, ids beyond 2^53-1 included', async () => {
  await using engine = new MemoryEngine(unique('ids'));
  await engine.append('s', ['f', 'v'], { id: '1-1' });
  await engine.createGroup('s', 'g', '0');
  const invalid = (e: unknown): boolean => code(e) === 'ERR_STREAMERSON_INVALID_ID';
  for (const id of ['x', '1-x', '-1', '1-2-3', '', '9007199254740992-0', '1-18446744073709551615']) {
    await assert.rejects(engine.append('s', ['f', 'v'], { id }), invalid, `append ${id}`);
    await assert.rejects(engine.range('s', id, '+'), invalid, `range ${id}`);
    await assert.rejects(engine.read([{ stream: 's', after: id }]), invalid, `read ${id}`);
    await assert.rejects(engine.readGroup('g', 'c', [{ stream: 's', after: id }]), invalid, `readGroup ${id}`);
    await assert.rejects(engine.ack('s', 'g', [id]), invalid, `ack ${id}`);
    await assert.rejects(engine.deleteEntries('s', [id]), invalid, `deleteEntries ${id}`);
    await assert.rejects(engine.createGroup('s', 'g2', id), invalid, `createGroup ${id}`);
  }
  // A failed append does not create its stream.
  await assert.rejects(engine.append('nothing', ['f', 'v'], { id: 'bad' }), invalid);
  assert.deepEqual(await engine.listStreams('nothing'), []);
});

test('ranges accept incomplete and exclusive ids like XRANGE', async () => {
  await using engine = new MemoryEngine(unique('ids'));
  for (const id of ['1-1', '2-1', '3-1', '4-1', '5-1']) await engine.append('s', ['f', id], { id });
  const ids = (entries: readonly { id: string }[]): string[] => entries.map((e) => e.id);
  assert.deepEqual(ids(await engine.range('s', '2', '4')), ['2-1', '3-1', '4-1']);
  assert.deepEqual(ids(await engine.range('s', '(1-1', '(4-1')), ['2-1', '3-1']);
  assert.deepEqual(ids(await engine.range('s', '(4', '5')), ['4-1', '5-1']);
  assert.deepEqual(ids(await engine.range('s', '-', '+', 2)), ['1-1', '2-1']);
  assert.deepEqual(ids(await engine.range('s', '-', '+', 0)), []);
  assert.deepEqual(ids(await engine.revRange('s', '+', '-', 2)), ['5-1', '4-1']);
  assert.deepEqual(ids(await engine.revRange('s', '(5-1', '2')), ['4-1', '3-1', '2-1']);
  assert.deepEqual(ids(await engine.range('missing', '-', '+')), []);
  assert.deepEqual(
    (await engine.read([{ stream: 's', after: '3' }])).map((r) => ids(r.entries)),
    [['3-1', '4-1', '5-1']],
  );
  assert.deepEqual(await engine.read([{ stream: 's', after: '$' }]), []);
});
