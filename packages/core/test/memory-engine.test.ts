import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { connect, MemoryEngine, StreamersonError, type Engine } from '../src/index.js';

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;
const withCode =
  (code: string) =>
  (e: unknown): boolean =>
    e instanceof StreamersonError && e.code === code;

test('engines with the same name share streams; the last close drops them', async () => {
  const name = unique('shared');
  const a = new MemoryEngine(name);
  const b = new MemoryEngine(name);
  const other = new MemoryEngine(unique('shared'));
  assert.equal(a.kind, 'memory');
  assert.equal(a.url, `memory://${name}`);
  await a.append('s', ['f', 'v']);
  assert.equal(await b.length('s'), 1);
  assert.equal(await other.length('s'), 0);
  await a.close();
  assert.equal(await b.length('s'), 1);
  await b.close();
  await other.close();
  await using again = new MemoryEngine(name);
  assert.equal(await again.length('s'), 0);
});

test('connect("memory://name") gives a memory engine sharing that store', async () => {
  const name = unique('connect');
  await using direct = new MemoryEngine(name);
  const engine: Engine = await connect(`memory://${name}`);
  try {
    assert.equal(engine.kind, 'memory');
    await direct.append('s', ['f', 'v']);
    assert.equal(await engine.length('s'), 1);
  } finally {
    await engine.close();
  }
});

test('after close or destroy every call rejects CLOSED; both are idempotent', async () => {
  for (const stop of ['close', 'destroy'] as const) {
    const engine = new MemoryEngine(unique('closed'));
    if (stop === 'close') await engine.close();
    else engine.destroy();
    await engine.close();
    engine.destroy();
    const closed = withCode('ERR_STREAMERSON_CLOSED');
    const calls: (() => Promise<unknown>)[] = [
      () => engine.append('s', ['f', 'v']),
      () => engine.appendBatch([{ stream: 's', fields: ['f', 'v'] }]),
      () => engine.appendIdempotent('s', ['f', 'v'], 'm', 1000),
      () => engine.read([{ stream: 's', after: '0' }]),
      () => engine.range('s', '-', '+'),
      () => engine.revRange('s', '+', '-'),
      () => engine.lastId('s'),
      () => engine.createGroup('s', 'g'),
      () => engine.destroyGroup('s', 'g'),
      () => engine.setGroupId('s', 'g', '0'),
      () => engine.readGroup('g', 'c', [{ stream: 's', after: '>' }]),
      () => engine.ack('s', 'g', ['1-1']),
      () => engine.pendingSummary('s', 'g'),
      () => engine.pendingRange('s', 'g', { count: 1 }),
      () => engine.claim('s', 'g', 'c', ['1-1'], { minIdleMs: 0 }),
      () => engine.autoClaim('s', 'g', 'c', 0, '0-0', 1),
      () => engine.deleteConsumer('s', 'g', 'c'),
      () => engine.trim('s', { maxLen: 1 }),
      () => engine.deleteEntries('s', ['1-1']),
      () => engine.deleteStreams(['s']),
      () => engine.info('s'),
      () => engine.listStreams(''),
      () => engine.length('s'),
    ];
    for (const call of calls) await assert.rejects(call(), closed, `${stop}: ${call.toString()}`);
  }
});

test('stored values are copies: callers cannot change the stream through their Buffers', async () => {
  await using engine = new MemoryEngine(unique('copy'));
  const value = Buffer.from('abc');
  const id = (await engine.append('s', ['name', value, 'text', 'héllo']))!;
  value.write('zzz');
  const [first] = await engine.range('s', id, id);
  assert.deepEqual(
    first!.fields.map((f) => f.toString()),
    ['name', 'abc', 'text', 'héllo'],
  );
  first!.fields[1]!.write('yyy');
  const [again] = await engine.range('s', id, id);
  assert.equal(again!.fields[1]!.toString(), 'abc');
  await assert.rejects(engine.append('s', ['odd']), withCode('ERR_STREAMERSON_ENGINE'));
  await assert.rejects(engine.append('s', []), withCode('ERR_STREAMERSON_ENGINE'));
});

test('retention: maxLen and minId, exact or approximate, with limit; trim reports removals', async () => {
  await using engine = new MemoryEngine(unique('trim'));
  for (let i = 1; i <= 10; i++) await engine.append('s', ['f', `${i}`], { id: `${i}-0`, retention: { maxLen: 5 } });
  assert.equal(await engine.length('s'), 5);
  assert.equal((await engine.range('s', '-', '+'))[0]!.id, '6-0');
  assert.equal(await engine.trim('s', { minId: '8', approximate: false }), 2);
  assert.equal(await engine.trim('s', { maxLen: 0, limit: 2 }), 2);
  assert.deepEqual(
    (await engine.range('s', '-', '+')).map((e) => e.id),
    ['10-0'],
  );
  assert.equal(await engine.trim('missing', { maxLen: 0 }), 0);
  const info = (await engine.info('s'))!;
  assert.deepEqual([info.entriesAdded, info.lastGeneratedId], [10, '10-0']);
  await assert.rejects(engine.trim('s', { maxLen: 1, approximate: false, limit: 5 }), withCode('ERR_STREAMERSON_INVALID_OPTION'));
  await assert.rejects(engine.trim('s', { maxLen: -1 }), withCode('ERR_STREAMERSON_INVALID_OPTION'));
  await assert.rejects(engine.trim('s', { minId: 'nope' }), withCode('ERR_STREAMERSON_INVALID_ID'));
});

test('a long-lived stream trimmed from the head keeps correct ranges', async () => {
  await using engine = new MemoryEngine(unique('trim'));
  const total = 5_000;
  for (let i = 1; i <= total; i++) await engine.append('s', ['i', `${i}`], { id: `${i}-0`, retention: { maxLen: 300 } });
  assert.equal(await engine.length('s'), 300);
  const all = await engine.range('s', '-', '+');
  assert.equal(all[0]!.id, `${total - 299}-0`);
  assert.equal(all[299]!.id, `${total}-0`);
  assert.deepEqual(
    (await engine.range('s', '4800', '4802')).map((e) => e.id),
    ['4800-0', '4801-0', '4802-0'],
  );
  assert.equal(await engine.deleteEntries('s', ['4801-0', `${total - 299}-0`, '1-0']), 2);
  assert.deepEqual(
    (await engine.range('s', '4800', '4802')).map((e) => e.id),
    ['4800-0', '4802-0'],
  );
  assert.equal((await engine.info('s'))!.firstEntry!.id, `${total - 298}-0`);
});

test('noMkStream appends only to existing streams', async () => {
  await using engine = new MemoryEngine(unique('nomk'));
  assert.equal(await engine.append('s', ['f', 'v'], { noMkStream: true }), null);
  assert.deepEqual(await engine.listStreams(''), []);
  await engine.append('s', ['f', 'v'], { id: '1-1' });
  assert.equal(await engine.append('s', ['f', 'v'], { noMkStream: true, id: '2-2' }), '2-2');
});

test('appendBatch runs every item like a pipeline and rejects with the first failure', async () => {
  await using engine = new MemoryEngine(unique('batch'));
  assert.deepEqual(
    await engine.appendBatch([
      { stream: 'a', fields: ['f', '1'], id: '1-1' },
      { stream: 'b', fields: ['f', '2'], id: '2-2' },
      { stream: 'c', fields: ['f', '3'], noMkStream: true },
    ]),
    ['1-1', '2-2', null],
  );
  await assert.rejects(
    engine.appendBatch([
      { stream: 'a', fields: ['f', '1'], id: '1-1' },
      { stream: 'a', fields: ['f', '3'], id: '3-3' },
    ]),
    withCode('ERR_STREAMERSON_ID_TOO_SMALL'),
  );
  assert.equal(await engine.lastId('a'), '3-3');
});

test('appendIdempotent dedupes within the window, then forgets (records are swept)', async (t) => {
  await using engine = new MemoryEngine(unique('dedupe'));
  let now = 1_000;
  mock.method(Date, 'now', () => now);
  t.after(() => mock.restoreAll());
  const first = await engine.appendIdempotent('s', ['f', 'v'], 'm1', 100);
  assert.deepEqual(first, { id: '1000-0', duplicate: false });
  now += 99;
  assert.deepEqual(await engine.appendIdempotent('s', ['f', 'other'], 'm1', 100), { id: '1000-0', duplicate: true });
  assert.deepEqual(await engine.appendIdempotent('t', ['f', 'v'], 'm1', 100), { id: '1099-0', duplicate: false });
  assert.equal(await engine.length('s'), 1);
  now += 1;
  assert.deepEqual(await engine.appendIdempotent('s', ['f', 'v'], 'm1', 100), { id: '1100-0', duplicate: false });
  for (let i = 0; i < 100; i++) await engine.appendIdempotent('s', ['f', 'v'], `x${i}`, 10);
  now += 1_000;
  await engine.appendIdempotent('s', ['f', 'v'], 'last', 10);
  const store = (engine as unknown as { store: { dedupe: { size: number } } }).store;
  assert.equal(store.dedupe.size, 1);
  await assert.rejects(engine.appendIdempotent('s', ['f', 'v'], 'm', 0), withCode('ERR_STREAMERSON_INVALID_OPTION'));
});

test('listStreams is sorted, filtered by prefix and bounded; deleteStreams removes groups too', async () => {
  await using engine = new MemoryEngine(unique('list'));
  for (const s of ['b:2', 'a:1', 'b:1', 'b:10', 'c']) await engine.append(s, ['f', 'v']);
  assert.deepEqual(await engine.listStreams('b:'), ['b:1', 'b:10', 'b:2']);
  assert.deepEqual(await engine.listStreams('', 2), ['a:1', 'b:1']);
  await engine.createGroup('c', 'g', '0');
  assert.equal(await engine.deleteStreams(['c', 'nope', 'a:1']), 2);
  assert.equal(await engine.info('c'), null);
  assert.equal(await engine.lastId('c'), '0-0');
  await assert.rejects(engine.readGroup('g', 'x', [{ stream: 'c', after: '>' }]), withCode('ERR_STREAMERSON_NO_GROUP'));
});

test('results settle asynchronously, after the call returns', async () => {
  await using engine = new MemoryEngine(unique('async'));
  let settled = false;
  const p = engine.append('s', ['f', 'v']).then(() => {
    settled = true;
  });
  assert.equal(settled, false);
  await p;
  assert.equal(settled, true);
  // Work runs at call time, in call order, as on a pipelined connection.
  const pending = engine.append('s', ['f', 'v'], { id: '1-1' }).catch((e: unknown) => e);
  assert.equal(await engine.length('s'), 1);
  assert.ok((await pending) instanceof StreamersonError);
});
