import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auxKey, connect, type Engine } from '@streamerson/core';
import { monitorRedis, startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { createRedisEngine } from '../src/index.js';
import { APPEND_FLUSH_AT } from '../src/base-engine.js';
import { assertCloseUnblocks, blockedNow, waitForBlocked, type ServerInfo } from './reader-checks.js';

function open(url: string, options?: Record<string, unknown>): Engine {
  return createRedisEngine(url, options);
}

describe('redis engine (standalone)', () => {
  let server: RedisServer;
  let engine: Engine;
  const serverInfo: ServerInfo = async (section) => [await server.command('INFO', section)];

  before(async () => {
    server = await startRedis();
    engine = open(server.url);
  });
  after(async () => {
    await engine.close();
    await server.stop();
  });

  test('an ack is one XACK written at once, ahead of auto-pipelined commands issued before it', async () => {
    const stream = uniqueName('ack');
    const group = 'grüppe';
    await engine.createGroup(stream, group, '0');
    const ids = await engine.appendBatch([1, 2, 3].map((n) => ({ stream, fields: ['n', String(n)] })));
    await engine.readGroup(group, 'c', [{ stream, after: '>' }], { count: 10 });
    const monitor = await monitorRedis(server.port);
    try {
      // XLEN waits for the auto-pipeline's turn; the ack must not.
      const length = engine.length(stream);
      const acked = engine.ack(stream, group, [ids[0]!, ids[2]!]);
      assert.equal(await acked, 2, 'a group name of non-ASCII characters is sent with its byte count');
      assert.equal(await length, 3);
      const onStream = (): readonly { name: string; args: readonly string[] }[] => monitor.commands.filter((c) => c.args[0] === stream);
      await waitFor(() => onStream().length >= 2, { what: 'the ack and the length', timeoutMs: 2_000 });
      assert.deepEqual(
        onStream().map((c) => c.name),
        ['xack', 'xlen'],
      );
      // MONITOR shows the group's non-ASCII bytes escaped: the ids are what it checks.
      assert.deepEqual(onStream()[0]!.args.slice(2), [ids[0], ids[2]]);
      assert.equal((await engine.pendingSummary(stream, group)).count, 1);
    } finally {
      monitor.stop();
    }
  });

  test('binary field values survive a round trip as Buffers', async () => {
    const stream = uniqueName('bin');
    const value = Buffer.from([0, 255, 1, 254, 0x80, 0x0a]);
    const id = await engine.append(stream, ['payload', value, 'text', 'héllo']);
    const [entry] = await engine.range(stream, '-', '+');
    assert.equal(entry?.id, id);
    assert.ok(entry!.fields.every((f) => Buffer.isBuffer(f)));
    assert.deepEqual(entry!.fields[1], value);
    assert.equal(entry!.fields[3]!.toString(), 'héllo');
    const [read] = await engine.read([{ stream, after: '0-0' }]);
    assert.deepEqual(read?.entries[0]?.fields[1], value);
  });

  test('a blocked reader does not delay appends on the engine', async () => {
    const stream = uniqueName('dedicated');
    const reader = engine.openReader();
    const blocked = reader.read([{ stream, after: '$' }], { blockMs: 5_000 });
    const started = Date.now();
    for (let i = 0; i < 20; i++) await engine.length(stream);
    assert.ok(Date.now() - started < 1_000, 'commands on the engine waited for the blocked read');
    await engine.append(stream, ['n', '1']);
    const result = await blocked;
    assert.equal(result[0]?.entries.length, 1);
    await reader.close();
  });

  test('closing a reader interrupts its blocked read, which resolves with no entries', async () => {
    const reader = engine.openReader();
    const started = Date.now();
    const blocked = reader.readGroup('g', 'c', [{ stream: uniqueName('never'), after: '>' }], { blockMs: 0 }).catch((e) => e);
    const stream = uniqueName('interrupt');
    await engine.createGroup(stream, 'g');
    const blocked2 = engine.openReader();
    const blockedBefore = await blockedNow(serverInfo);
    const read2 = blocked2.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 0 });
    await waitForBlocked(serverInfo, blockedBefore);
    await blocked2.close();
    assert.deepEqual(await read2, []);
    await reader.close();
    const first = await blocked;
    // The first read named a missing group: it fails at once or resolves empty on close.
    assert.ok(Array.isArray(first) ? first.length === 0 : first.code === 'ERR_STREAMERSON_NO_GROUP');
    assert.ok(Date.now() - started < 2_000);
    await assert.rejects(blocked2.read([{ stream, after: '0' }]), { code: 'ERR_STREAMERSON_CLOSED' });
  });

  test('closing a reader ends its blocked group read with CLIENT UNBLOCK, not by dropping the connection', async () => {
    const stream = uniqueName('unblock');
    await engine.createGroup(stream, 'g');
    await assertCloseUnblocks(engine, stream, 1, serverInfo);
  });

  test('group read, ack, pending, claim and auto-claim', async () => {
    const stream = uniqueName('group');
    assert.equal(await engine.createGroup(stream, 'g', '0'), true);
    assert.equal(await engine.createGroup(stream, 'g', '0'), false);
    const ids = await engine.appendBatch([1, 2, 3].map((n) => ({ stream, fields: ['n', String(n)] })));
    const [got] = await engine.readGroup('g', 'a', [{ stream, after: '>' }], { count: 10 });
    assert.deepEqual(
      got?.entries.map((e) => e.id),
      ids,
    );
    assert.equal(await engine.ack(stream, 'g', [ids[0]!]), 1);
    const summary = await engine.pendingSummary(stream, 'g');
    assert.equal(summary.count, 2);
    assert.deepEqual(summary.consumers, [{ name: 'a', pending: 2 }]);
    const range = await engine.pendingRange(stream, 'g', { count: 10 });
    assert.deepEqual(
      range.map((p) => p.deliveries),
      [1, 1],
    );
    const claimed = await engine.claim(stream, 'g', 'b', [ids[1]!], { minIdleMs: 0, justId: true });
    assert.equal(claimed[0]?.fields[1]?.toString(), '2');
    assert.equal((await engine.pendingRange(stream, 'g', { count: 10, consumer: 'b' }))[0]?.deliveries, 1);
    await engine.deleteEntries(stream, [ids[2]!]);
    const auto = await engine.autoClaim(stream, 'g', 'b', 0, '0-0', 10);
    assert.deepEqual(auto.deletedIds, [ids[2]]);
    assert.deepEqual(
      auto.entries.map((e) => e.id),
      [ids[1]],
    );
    // A pending entry deleted from the stream reads back with no fields.
    const s2 = uniqueName('deleted');
    await engine.createGroup(s2, 'g', '0');
    const gone = (await engine.append(s2, ['a', 'b']))!;
    await engine.readGroup('g', 'c', [{ stream: s2, after: '>' }]);
    await engine.deleteEntries(s2, [gone]);
    const [history] = await engine.readGroup('g', 'c', [{ stream: s2, after: '0' }]);
    assert.deepEqual(history?.entries, [{ id: gone, fields: [] }]);
  });

  test('appends made at once beyond APPEND_FLUSH_AT leave in several writes and keep their order', async () => {
    const stream = uniqueName('flush-at');
    const n = APPEND_FLUSH_AT * 2 + 3;
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => engine.append(stream, ['i', String(i)])));
    const entries = await engine.range(stream, '-', '+');
    assert.deepEqual(
      entries.map((e) => e.id),
      ids,
    );
    assert.deepEqual(
      entries.map((e) => e.fields[1]!.toString()),
      Array.from({ length: n }, (_, i) => String(i)),
    );
  });

  test('appendAndAck is one transaction even with other commands sent around it', async () => {
    const requests = uniqueName('tx-req');
    const replies = uniqueName('tx-rep');
    const other = uniqueName('tx-other');
    await engine.createGroup(requests, 'g', '0');
    for (let i = 0; i < 3; i++) await engine.append(requests, ['i', String(i)]);
    const [taken] = await engine.readGroup('g', 'c', [{ stream: requests, after: '>' }], { count: 10 });
    const ids = taken!.entries.map((e) => e.id);
    const before = Array.from({ length: 50 }, (_, i) => engine.append(other, ['n', String(i)]));
    const tx = engine.appendAndAck(
      ids.map((id) => ({ stream: replies, fields: ['re', id] })),
      'g',
      [{ stream: requests, ids }],
    );
    const afterTx = Array.from({ length: 50 }, (_, i) => engine.append(other, ['n', String(50 + i)]));
    await Promise.all([...before, tx, ...afterTx]);
    assert.equal(await engine.length(other), 100);
    assert.deepEqual(
      (await engine.range(replies, '-', '+')).map((e) => e.fields[1]!.toString()),
      ids,
    );
    assert.equal((await engine.pendingSummary(requests, 'g')).count, 0);
  });

  test('appendAndAck: an append that fails while the transaction runs rejects with a typed error; its acks are applied', async () => {
    const requests = uniqueName('tx-req');
    const notAStream = uniqueName('tx-string');
    await server.command('SET', notAStream, 'x');
    await engine.createGroup(requests, 'g', '0');
    const id = await engine.append(requests, ['i', '1']);
    await engine.readGroup('g', 'c', [{ stream: requests, after: '>' }], { count: 1 });
    await assert.rejects(
      engine.appendAndAck([{ stream: notAStream, fields: ['a', 'b'] }], 'g', [{ stream: requests, ids: [id!] }]),
      (error: { code?: string; message?: string }) => error.code === 'ERR_STREAMERSON_ENGINE' && /WRONGTYPE/.test(error.message ?? ''),
    );
    assert.equal((await engine.pendingSummary(requests, 'g')).count, 0);
  });

  test('readGroupAfter: replies and acks, then the group read, on the reader connection', async () => {
    const requests = uniqueName('after-req');
    const replies = uniqueName('after-rep');
    await engine.createGroup(requests, 'g', '0');
    for (let i = 0; i < 2; i++) await engine.append(requests, ['i', String(i)]);
    const reader = engine.openReader();
    try {
      const [first] = await reader.readGroup('g', 'c', [{ stream: requests, after: '>' }], { count: 1 });
      const firstId = first!.entries[0]!.id;
      const outcomes: unknown[] = [];
      const next = await reader.readGroupAfter!(
        {
          appends: [{ stream: replies, fields: ['re', firstId] }],
          acks: [{ stream: requests, ids: [firstId] }],
          settled: (error) => outcomes.push(error ?? 'ok'),
        },
        'g',
        'c',
        [{ stream: requests, after: '>' }],
        { count: 10, blockMs: 1_000 },
      );
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(outcomes, ['ok'], 'the writes settled by the time the read returned');
      assert.deepEqual(
        next[0]!.entries.map((e) => e.fields[1]!.toString()),
        ['1'],
      );
      assert.deepEqual(
        (await engine.range(replies, '-', '+')).map((e) => e.fields[1]!.toString()),
        [firstId],
      );
      const pending = await engine.pendingSummary(requests, 'g');
      assert.equal(pending.count, 1, 'the first is acked, the second is pending');
      assert.equal(pending.lowestId, next[0]!.entries[0]!.id);

      // A transaction Redis refuses applies nothing; the read still runs.
      const refused: unknown[] = [];
      await engine.append(requests, ['i', '2']);
      const after = await reader.readGroupAfter!(
        {
          appends: [{ stream: replies, fields: ['odd'] }],
          acks: [{ stream: requests, ids: [next[0]!.entries[0]!.id] }],
          settled: (error) => refused.push(error),
        },
        'g',
        'c',
        [{ stream: requests, after: '>' }],
        { count: 10, blockMs: 1_000 },
      );
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(refused.length, 1);
      assert.equal((refused[0] as { code?: string }).code, 'ERR_STREAMERSON_ENGINE');
      assert.deepEqual(
        after[0]!.entries.map((e) => e.fields[1]!.toString()),
        ['2'],
      );
      assert.equal((await engine.pendingSummary(requests, 'g')).count, 2, 'nothing acked by the refused transaction');

      // A batch: its transaction and the read leave in one write.
      const held = [next[0]!.entries[0]!.id, after[0]!.entries[0]!.id];
      const batch: unknown[] = [];
      const none = await reader.readGroupAfter!(
        {
          appends: held.map((id) => ({ stream: replies, fields: ['re', id] })),
          acks: [{ stream: requests, ids: held }],
          settled: (error) => batch.push(error ?? 'ok'),
        },
        'g',
        'c',
        [{ stream: requests, after: '>' }],
        { count: 10, blockMs: 10 },
      );
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(batch, ['ok']);
      assert.deepEqual(none, []);
      assert.deepEqual(
        (await engine.range(replies, '-', '+')).map((e) => e.fields[1]!.toString()),
        [firstId, ...held],
      );
      assert.equal((await engine.pendingSummary(requests, 'g')).count, 0, 'both acked');
    } finally {
      await reader.close();
    }
    const closed: unknown[] = [];
    await assert.rejects(
      reader.readGroupAfter!({ appends: [], acks: [], settled: (error) => closed.push(error) }, 'g', 'c', [{ stream: requests, after: '>' }]),
      { code: 'ERR_STREAMERSON_CLOSED' },
    );
    assert.equal((closed[0] as { code?: string }).code, 'ERR_STREAMERSON_CLOSED');
  });

  test('Redis errors become typed errors', async () => {
    const stream = uniqueName('errors');
    const id = (await engine.append(stream, ['a', 'b'], { id: '5-1' }))!;
    assert.equal(id, '5-1');
    await assert.rejects(engine.append(stream, ['a', 'b'], { id: '5-1' }), { code: 'ERR_STREAMERSON_ID_TOO_SMALL' });
    await assert.rejects(engine.append(stream, ['a', 'b'], { id: 'nope' }), { code: 'ERR_STREAMERSON_INVALID_ID' });
    await assert.rejects(engine.readGroup('missing', 'c', [{ stream, after: '>' }]), { code: 'ERR_STREAMERSON_NO_GROUP' });
    await assert.rejects(
      engine.ack(stream, 'missing', ['1-1']).then(() => engine.pendingSummary(stream, 'missing')),
      {
        code: 'ERR_STREAMERSON_NO_GROUP',
      },
    );
    await engine.append(`${stream}:str`, ['a', 'b']).catch(() => undefined);
    await assert.rejects(engine.range(stream, 'x', '+'), { code: 'ERR_STREAMERSON_INVALID_ID' });
    await assert.rejects(
      engine.append(stream, ['odd']),
      (e: { code?: string; cause?: unknown }) => e.code === 'ERR_STREAMERSON_ENGINE' && e.cause instanceof Error,
    );
    await assert.rejects(engine.trim(stream, { maxLen: 1, approximate: false, limit: 5 }), { code: 'ERR_STREAMERSON_INVALID_OPTION' });
    assert.equal(await engine.destroyGroup(uniqueName('none'), 'g'), false);
    assert.equal(await engine.lastId(uniqueName('none')), '0-0');
    assert.equal(await engine.info(uniqueName('none')), null);
  });

  test('retention and NOMKSTREAM on append', async () => {
    const stream = uniqueName('retention');
    assert.equal(await engine.append(stream, ['a', 'b'], { noMkStream: true }), null);
    for (let i = 0; i < 10; i++) await engine.append(stream, ['i', String(i)], { retention: { maxLen: 3, approximate: false } });
    assert.equal(await engine.length(stream), 3);
    await engine.append(stream, ['i', 'x'], { retention: { maxLen: 1, limit: 100 } });
    assert.ok((await engine.length(stream)) >= 1);
    const left = await engine.length(stream);
    assert.equal(await engine.trim(stream, { minId: '99999999999999-0', approximate: false }), left);
    assert.equal(await engine.length(stream), 0);
  });

  test('idempotent append writes once within the window', async () => {
    const stream = uniqueName('idem');
    const first = await engine.appendIdempotent(stream, ['a', 'b'], 'm1', 60_000);
    const again = await engine.appendIdempotent(stream, ['a', 'c'], 'm1', 60_000);
    assert.deepEqual(again, { id: first.id, duplicate: true });
    assert.equal(first.duplicate, false);
    assert.equal(await engine.length(stream), 1);
    const short = await engine.appendIdempotent(stream, ['a', 'b'], 'm2', 20, { retention: { maxLen: 100 } });
    // The window is over once Redis has expired the message id's record.
    await waitFor(async () => (await server.command('EXISTS', auxKey(stream, 'dedupe:m2'))) === 0, { intervalMs: 5, what: 'the dedupe record expired' });
    const later = await engine.appendIdempotent(stream, ['a', 'b'], 'm2', 20);
    assert.equal(later.duplicate, false);
    assert.notEqual(later.id, short.id);
    await assert.rejects(engine.appendIdempotent(uniqueName('none'), ['a', 'b'], 'm', 100, { noMkStream: true }), {
      code: 'ERR_STREAMERSON_ENGINE',
    });
  });

  test('info reports groups, consumers and lag', async () => {
    const stream = uniqueName('info');
    await engine.createGroup(stream, 'g', '0');
    await engine.appendBatch([
      { stream, fields: ['a', '1'] },
      { stream, fields: ['a', '2'] },
    ]);
    await engine.readGroup('g', 'c', [{ stream, after: '>' }], { count: 1 });
    const info = await engine.info(stream);
    assert.equal(info?.length, 2);
    assert.equal(info?.entriesAdded, 2);
    assert.equal(info?.lastEntry?.fields[1]?.toString(), '2');
    assert.equal(info?.groups[0]?.lag, 1);
    assert.equal(info?.groups[0]?.pending, 1);
    assert.equal(info?.groups[0]?.consumers[0]?.name, 'c');
    assert.equal(info?.lastGeneratedId, await engine.lastId(stream));
  });

  test('listStreams matches the prefix literally, sorted and bounded', async () => {
    const prefix = `${uniqueName('list')}[*]`;
    await engine.appendBatch(['c', 'a', 'b'].map((s) => ({ stream: `${prefix}${s}`, fields: ['x', 'y'] })));
    await engine.append(`${prefix.replace('[*]', 'X*]')}z`, ['x', 'y']);
    assert.deepEqual(
      await engine.listStreams(prefix),
      ['a', 'b', 'c'].map((s) => `${prefix}${s}`),
    );
    assert.deepEqual(
      await engine.listStreams(prefix, 2),
      ['a', 'b'].map((s) => `${prefix}${s}`),
    );
    assert.equal(await engine.deleteStreams([`${prefix}a`, `${prefix}b`, `${prefix}none`]), 2);
  });

  test('closed engine rejects with ERR_STREAMERSON_CLOSED; close is idempotent', async () => {
    const e = open(server.url);
    const stream = uniqueName('closing');
    const pending = e.append(stream, ['a', 'b']);
    await e.close();
    assert.match((await pending) ?? '', /^\d+-\d+$/);
    await e.close();
    await assert.rejects(e.append(stream, ['a', 'b']), { code: 'ERR_STREAMERSON_CLOSED' });
    const d = open(server.url);
    d.destroy();
    d.destroy();
    await assert.rejects(d.length(stream), { code: 'ERR_STREAMERSON_CLOSED' });
  });

  test('bad options are rejected naming the option', () => {
    assert.throws(() => open(server.url, { keyPrefix: 'x' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'keyPrefix' });
    assert.throws(() => open(server.url, { connectTimeoutMs: -1 }), { option: 'connectTimeoutMs' });
    assert.throws(() => open(server.url, { nope: 1 }), { option: 'nope' });
  });

  test('connect() from core opens this engine for redis:// URLs', async () => {
    const e = await connect(server.url);
    assert.equal(e.kind, 'redis');
    const stream = uniqueName('connect');
    const id = await e.append(stream, ['k', 'v']);
    assert.equal((await e.range(stream, '-', '+'))[0]?.id, id);
    await e.close();
  });
});

describe('redis engine with a password and a database number', () => {
  test('authenticates and selects the database from the URL', async () => {
    const server = await startRedis({ password: 's3cret' });
    try {
      assert.equal(server.url, `redis://:s3cret@127.0.0.1:${server.port}`);
      assert.equal(await server.command('PING'), 'PONG');
      const url = `redis://:s3cret@127.0.0.1:${server.port}/3`;
      const engine = open(url);
      assert.equal(engine.url, `redis://:***@127.0.0.1:${server.port}/3`);
      const stream = uniqueName('db');
      await engine.append(stream, ['a', 'b']);
      assert.equal(await engine.length(stream), 1);
      const other = open(`redis://:s3cret@127.0.0.1:${server.port}/0`);
      assert.equal(await other.length(stream), 0);
      await other.close();
      await engine.close();
      const wrong = open(`redis://:wrong@127.0.0.1:${server.port}`, { maxRetriesPerRequest: 0, maxReconnectAttempts: 0 });
      await assert.rejects(wrong.length(stream), (e: { code?: string }) => e.code === 'ERR_STREAMERSON_CONNECTION' || e.code === 'ERR_STREAMERSON_ENGINE');
      wrong.destroy();
    } finally {
      await server.stop();
    }
  });
});
