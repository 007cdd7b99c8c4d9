import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine, StreamersonError, type StreamEntries } from '../src/index.js';

let n = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++n}`;
const noGroup = (e: unknown): boolean => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_NO_GROUP';
const ids = (result: readonly StreamEntries[]): string[][] => result.map((r) => r.entries.map((e) => e.id));

/** An engine with stream `s` holding entries 1-1 … N-1 and group `g` from the start. */
async function seeded(entries = 5): Promise<MemoryEngine> {
  const engine = new MemoryEngine(unique('groups'));
  for (let i = 1; i <= entries; i++) await engine.append('s', ['f', `v${i}`], { id: `${i}-1` });
  assert.equal(await engine.createGroup('s', 'g', '0'), true);
  return engine;
}

test('createGroup is idempotent, makes the stream, and starts at $, 0 or an id', async () => {
  await using engine = await seeded(3);
  assert.equal(await engine.createGroup('s', 'g', '0'), false);
  await engine.createGroup('s', 'tail');
  await engine.createGroup('s', 'mid', '2-1');
  assert.deepEqual(ids(await engine.readGroup('tail', 'c', [{ stream: 's', after: '>' }])), []);
  assert.deepEqual(ids(await engine.readGroup('mid', 'c', [{ stream: 's', after: '>' }])), [['3-1']]);
  assert.equal(await engine.createGroup('new', 'g'), true);
  assert.equal(await engine.length('new'), 0);
  assert.deepEqual(await engine.listStreams('new'), ['new']);
  assert.equal(await engine.destroyGroup('s', 'tail'), true);
  assert.equal(await engine.destroyGroup('s', 'tail'), false);
  assert.equal(await engine.destroyGroup('missing', 'g'), false);
});

test('group operations on a missing group or stream reject NO_GROUP; ack counts nothing', async () => {
  await using engine = await seeded(1);
  for (const [stream, group] of [
    ['s', 'nope'],
    ['missing', 'g'],
  ] as const) {
    await assert.rejects(engine.readGroup(group, 'c', [{ stream, after: '>' }]), noGroup);
    await assert.rejects(engine.pendingSummary(stream, group), noGroup);
    await assert.rejects(engine.pendingRange(stream, group, { count: 10 }), noGroup);
    await assert.rejects(engine.claim(stream, group, 'c', ['1-1'], { minIdleMs: 0 }), noGroup);
    await assert.rejects(engine.autoClaim(stream, group, 'c', 0, '0-0', 10), noGroup);
    await assert.rejects(engine.deleteConsumer(stream, group, 'c'), noGroup);
    await assert.rejects(engine.setGroupId(stream, group, '0'), noGroup);
    assert.equal(await engine.ack(stream, group, ['1-1']), 0);
  }
});

test('reads with > fill the PEL; reads by id re-deliver own entries and count deliveries', async () => {
  await using engine = await seeded(5);
  assert.deepEqual(ids(await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }], { count: 2 })), [['1-1', '2-1']]);
  assert.deepEqual(ids(await engine.readGroup('g', 'b', [{ stream: 's', after: '>' }], { count: 2 })), [['3-1', '4-1']]);
  assert.deepEqual(ids(await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }], { noAck: true })), [['5-1']]);
  assert.deepEqual(await engine.pendingSummary('s', 'g'), {
    count: 4,
    lowestId: '1-1',
    highestId: '4-1',
    consumers: [
      { name: 'a', pending: 2 },
      { name: 'b', pending: 2 },
    ],
  });
  // Re-reading own history counts a delivery; an empty history still names the stream, as Redis does.
  assert.deepEqual(ids(await engine.readGroup('g', 'a', [{ stream: 's', after: '0' }])), [['1-1', '2-1']]);
  assert.deepEqual(ids(await engine.readGroup('g', 'a', [{ stream: 's', after: '1-1' }])), [['2-1']]);
  assert.deepEqual(await engine.readGroup('g', 'c', [{ stream: 's', after: '0' }]), [{ stream: 's', entries: [] }]);
  const pending = await engine.pendingRange('s', 'g', { count: 10 });
  assert.deepEqual(
    pending.map((p) => [p.id, p.consumer, p.deliveries]),
    [
      ['1-1', 'a', 2],
      ['2-1', 'a', 3],
      ['3-1', 'b', 1],
      ['4-1', 'b', 1],
    ],
  );
  assert.deepEqual(
    (await engine.pendingRange('s', 'g', { count: 10, consumer: 'b', start: '(3-1' })).map((p) => p.id),
    ['4-1'],
  );
  assert.deepEqual(
    (await engine.pendingRange('s', 'g', { count: 1, end: '2' })).map((p) => p.id),
    ['1-1'],
  );
  assert.equal(await engine.ack('s', 'g', ['1-1', '1-1', '3-1', '9-9']), 2);
  assert.equal((await engine.pendingSummary('s', 'g')).count, 2);
});

test('pending entries deleted from the stream read back with no fields and keep their count', async () => {
  await using engine = await seeded(3);
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }]);
  assert.equal(await engine.deleteEntries('s', ['2-1', '7-7']), 1);
  const [history] = await engine.readGroup('g', 'a', [{ stream: 's', after: '0' }]);
  assert.deepEqual(
    history!.entries.map((e) => [e.id, e.fields.length]),
    [
      ['1-1', 2],
      ['2-1', 0],
      ['3-1', 2],
    ],
  );
  const counts = (await engine.pendingRange('s', 'g', { count: 10 })).map((p) => p.deliveries);
  assert.deepEqual(counts, [2, 1, 2]);
});

test('claim moves idle entries, counts deliveries unless justId, and drops deleted ids', async (t) => {
  await using engine = await seeded(4);
  let now = 10_000;
  mock.method(Date, 'now', () => now);
  t.after(() => mock.restoreAll());
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }]);
  now += 100;
  assert.deepEqual(await engine.claim('s', 'g', 'b', ['1-1'], { minIdleMs: 500 }), []);
  assert.equal(
    (await engine.info('s'))!.groups[0]!.consumers.some((c) => c.name === 'b'),
    false,
  );
  await engine.deleteEntries('s', ['3-1']);
  now += 1_000;
  const claimed = await engine.claim('s', 'g', 'b', ['1-1', '3-1', '9-1'], { minIdleMs: 500 });
  assert.deepEqual(
    claimed.map((e) => [e.id, e.fields[1]!.toString()]),
    [['1-1', 'v1']],
  );
  await engine.claim('s', 'g', 'b', ['2-1'], { minIdleMs: 0, justId: true });
  const pending = await engine.pendingRange('s', 'g', { count: 10 });
  assert.deepEqual(
    pending.map((p) => [p.id, p.consumer, p.deliveries, p.idleMs]),
    [
      ['1-1', 'b', 2, 0],
      ['2-1', 'b', 1, 0],
      ['4-1', 'a', 1, 1100],
    ],
  );
  assert.deepEqual(
    (await engine.pendingRange('s', 'g', { count: 10, minIdleMs: 1 })).map((p) => p.id),
    ['4-1'],
  );
});

test('autoClaim walks the PEL with a cursor, reports deleted ids, and ends at 0-0', async (t) => {
  await using engine = await seeded(6);
  let now = 50_000;
  mock.method(Date, 'now', () => now);
  t.after(() => mock.restoreAll());
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }]);
  await engine.deleteEntries('s', ['2-1']);
  now += 1_000;
  await engine.ack('s', 'g', ['5-1']);
  let r = await engine.autoClaim('s', 'g', 'b', 500, '0-0', 2);
  assert.deepEqual([r.next, r.entries.map((e) => e.id), r.deletedIds], ['3-1', ['1-1'], ['2-1']]);
  r = await engine.autoClaim('s', 'g', 'b', 500, r.next, 2);
  assert.deepEqual([r.next, r.entries.map((e) => e.id), r.deletedIds], ['6-1', ['3-1', '4-1'], []]);
  r = await engine.autoClaim('s', 'g', 'b', 500, r.next, 2);
  assert.deepEqual([r.next, r.entries.map((e) => e.id), r.deletedIds], ['0-0', ['6-1'], []]);
  // Just claimed: nothing is idle, the scan ends without creating a consumer.
  r = await engine.autoClaim('s', 'g', 'c', 500, '0-0', 10);
  assert.deepEqual([r.next, r.entries, r.deletedIds], ['0-0', [], []]);
  const summary = await engine.pendingSummary('s', 'g');
  assert.deepEqual(summary.consumers, [{ name: 'b', pending: 4 }]);
  assert.deepEqual(
    (await engine.pendingRange('s', 'g', { count: 10 })).map((p) => p.deliveries),
    [2, 2, 2, 2],
  );
  const names = (await engine.info('s'))!.groups[0]!.consumers.map((c) => c.name).sort();
  assert.deepEqual(names, ['a', 'b']);
});

test('deleteConsumer drops its pending entries and reports how many', async () => {
  await using engine = await seeded(3);
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }], { count: 2 });
  await engine.readGroup('g', 'b', [{ stream: 's', after: '>' }]);
  assert.equal(await engine.deleteConsumer('s', 'g', 'a'), 2);
  assert.equal(await engine.deleteConsumer('s', 'g', 'a'), 0);
  assert.deepEqual(await engine.pendingSummary('s', 'g'), {
    count: 1,
    lowestId: '3-1',
    highestId: '3-1',
    consumers: [{ name: 'b', pending: 1 }],
  });
});

test('setGroupId moves the group back; re-delivered pending entries restart at count 1, in id order', async () => {
  await using engine = await seeded(4);
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }]);
  await engine.ack('s', 'g', ['2-1']);
  await engine.readGroup('g', 'a', [{ stream: 's', after: '0' }]);
  await engine.setGroupId('s', 'g', '0');
  assert.deepEqual(ids(await engine.readGroup('g', 'b', [{ stream: 's', after: '>' }])), [['1-1', '2-1', '3-1', '4-1']]);
  const pending = await engine.pendingRange('s', 'g', { count: 10 });
  assert.deepEqual(
    pending.map((p) => [p.id, p.consumer, p.deliveries]),
    [
      ['1-1', 'b', 1],
      ['2-1', 'b', 1],
      ['3-1', 'b', 1],
      ['4-1', 'b', 1],
    ],
  );
  const summary = await engine.pendingSummary('s', 'g');
  assert.deepEqual([summary.lowestId, summary.highestId, summary.consumers], ['1-1', '4-1', [{ name: 'b', pending: 4 }]]);
  await engine.setGroupId('s', 'g', '$');
  assert.deepEqual(ids(await engine.readGroup('g', 'b', [{ stream: 's', after: '>' }])), []);
});

test('info reports groups, consumers, pending, last delivered id and lag like XINFO', async (t) => {
  await using engine = await seeded(5);
  let now = 1_000_000;
  mock.method(Date, 'now', () => now);
  t.after(() => mock.restoreAll());
  await engine.createGroup('s', 'tail', '$');
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }], { count: 2 });
  now += 30;
  await engine.readGroup('g', 'idle', [{ stream: 's', after: '0' }]);
  now += 10;
  const info = (await engine.info('s'))!;
  assert.equal(info.length, 5);
  assert.equal(info.entriesAdded, 5);
  assert.equal(info.lastGeneratedId, '5-1');
  assert.equal(info.firstEntry!.id, '1-1');
  assert.equal(info.lastEntry!.fields[1]!.toString(), 'v5');
  const [g, tail] = info.groups;
  assert.deepEqual([g!.name, g!.pending, g!.lastDeliveredId, g!.lag], ['g', 2, '2-1', 3]);
  assert.deepEqual([tail!.name, tail!.pending, tail!.lastDeliveredId, tail!.lag], ['tail', 0, '5-1', 0]);
  assert.deepEqual(g!.consumers, [
    { name: 'a', pending: 2, idleMs: 40, inactiveMs: 40 },
    { name: 'idle', pending: 0, idleMs: 10, inactiveMs: null },
  ]);
  // Deleting an entry the group has not read yet makes the lag unknown, as in Redis 7.
  await engine.deleteEntries('s', ['4-1']);
  assert.equal((await engine.info('s'))!.groups[0]!.lag, null);
  await engine.readGroup('g', 'a', [{ stream: 's', after: '>' }]);
  assert.equal((await engine.info('s'))!.groups[0]!.lag, 0);
  await engine.trim('s', { maxLen: 0 });
  const empty = (await engine.info('s'))!;
  assert.deepEqual([empty.length, empty.firstEntry, empty.lastEntry, empty.lastGeneratedId], [0, null, null, '5-1']);
  assert.equal(await engine.info('missing'), null);
});
