import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auxKey, type Engine } from '@streamerson/core';
import { startRedisCluster, uniqueName, type RedisClusterHandle } from '@streamerson/testkit';
import { createRedisEngine } from '../src/index.js';
import { assertCloseUnblocks, assertReaderRetainsNoResults, blockedNow, waitForBlocked, type ServerInfo } from './reader-checks.js';
import { keySlot } from '../src/slots.js';

/** `n` stream names that all hash to different slots. */
function streamsInDistinctSlots(prefix: string, n: number): string[] {
  const names: string[] = [];
  const slots = new Set<number>();
  for (let i = 0; names.length < n; i++) {
    const name = `${prefix}-${i}`;
    if (slots.has(keySlot(name))) continue;
    slots.add(keySlot(name));
    names.push(name);
  }
  return names;
}

describe('redis engine (cluster)', () => {
  let cluster: RedisClusterHandle;
  let engine: Engine;
  const nodesInfo: ServerInfo = (section) => Promise.all(cluster.nodes.map((n) => n.command('INFO', section)));

  before(async () => {
    cluster = await startRedisCluster();
    engine = createRedisEngine(cluster.url);
  });
  after(async () => {
    await engine.close();
    await cluster.stop();
  });

  test('appendBatch across slots keeps input order', async () => {
    const streams = streamsInDistinctSlots(uniqueName('batch'), 6);
    const items = Array.from({ length: 60 }, (_, i) => ({ stream: streams[i % streams.length]!, fields: ['i', String(i)] }));
    const ids = await engine.appendBatch(items);
    assert.equal(ids.length, items.length);
    for (const stream of streams) {
      const entries = await engine.range(stream, '-', '+');
      const expected = items.flatMap((it, i) => (it.stream === stream ? [{ id: ids[i], i: String(i) }] : []));
      assert.deepEqual(
        entries.map((e) => ({ id: e.id, i: e.fields[1]!.toString() })),
        expected,
      );
    }
  });

  test('appendBatch across slots: an append that fails rejects with a typed error and the others are stored; appendAndAck then acks nothing', async () => {
    const [a, b, notAStream] = streamsInDistinctSlots(uniqueName('fail'), 3) as [string, string, string];
    await cluster.command('SET', notAStream, 'x');
    const typed = (error: { code?: string; message?: string }) => error.code === 'ERR_STREAMERSON_ENGINE' && /WRONGTYPE/.test(error.message ?? '');
    await assert.rejects(
      engine.appendBatch([
        { stream: a, fields: ['i', '0'] },
        { stream: notAStream, fields: ['i', '1'] },
        { stream: b, fields: ['i', '2'] },
      ]),
      typed,
    );
    assert.equal(await engine.length(a), 1);
    assert.equal(await engine.length(b), 1);
    await engine.createGroup(a, 'g', '0');
    const [read] = await engine.readGroup('g', 'c', [{ stream: a, after: '>' }], { count: 1 });
    await assert.rejects(engine.appendAndAck([{ stream: notAStream, fields: ['r', 'x'] }], 'g', [{ stream: a, ids: [read!.entries[0]!.id] }]), typed);
    assert.equal((await engine.pendingSummary(a, 'g')).count, 1);
    assert.equal(await engine.deleteStreams([a, b, notAStream]), 3);
  });

  test('non-blocking reads over several slots are split and merged in order', async () => {
    const streams = streamsInDistinctSlots(uniqueName('read'), 4);
    for (const s of streams) await engine.append(s, ['s', s]);
    const result = await engine.read(streams.map((stream) => ({ stream, after: '0-0' })));
    assert.deepEqual(
      result.map((r) => r.stream),
      streams,
    );
    for (const s of streams) await engine.createGroup(s, 'g', '0');
    const grouped = await engine.readGroup(
      'g',
      'c',
      streams.map((stream) => ({ stream, after: '>' })),
    );
    assert.equal(grouped.length, streams.length);
    assert.equal(await engine.deleteStreams(streams), streams.length);
  });

  test('blocking group reads over several slots lose and repeat nothing', async () => {
    const streams = streamsInDistinctSlots(uniqueName('stash'), 5);
    for (const s of streams) await engine.createGroup(s, 'g');
    const reader = engine.openReader();
    const positions = streams.map((stream) => ({ stream, after: '>' }));
    const total = 300;
    const seen = new Set<string>();
    let duplicates = 0;
    const consume = (async () => {
      while (seen.size < total) {
        const got = await reader.readGroup('g', 'c', positions, { blockMs: 200, count: 7 });
        for (const s of got) {
          for (const e of s.entries) {
            const key = `${s.stream}/${e.id}`;
            if (seen.has(key)) duplicates++;
            seen.add(key);
          }
        }
      }
    })();
    for (let i = 0; i < total; i += 10) {
      await engine.appendBatch(Array.from({ length: 10 }, (_, k) => ({ stream: streams[(i + k) % streams.length]!, fields: ['i', String(i + k)] })));
      await new Promise((r) => setTimeout(r, 2));
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${total} read`)), 10_000);
    });
    await Promise.race([consume, deadline]).finally(() => clearTimeout(timer));
    assert.equal(seen.size, total);
    assert.equal(duplicates, 0);
    const started = Date.now();
    const blockedBefore = await blockedNow(nodesInfo);
    const blocked = reader.readGroup('g', 'c', positions, { blockMs: 0 });
    await waitForBlocked(nodesInfo, blockedBefore);
    await reader.close();
    assert.deepEqual(await blocked, []);
    assert.ok(Date.now() - started < 2_000);
  });

  test('one reader serving two consumers over several slots hands each entry to the consumer Redis gave it to', async () => {
    const streams = streamsInDistinctSlots(uniqueName('kinds'), 4);
    for (const s of streams) await engine.createGroup(s, 'g');
    const reader = engine.openReader();
    const positions = streams.map((stream) => ({ stream, after: '>' }));
    const total = 200;
    const got = new Map<string, string[]>([
      ['c1', []],
      ['c2', []],
    ]);
    const deadline = Date.now() + 10_000;
    const consume = (async () => {
      for (let turn = 0; got.get('c1')!.length + got.get('c2')!.length < total && Date.now() < deadline; turn++) {
        const consumer = turn % 2 === 0 ? 'c1' : 'c2';
        for (const s of await reader.readGroup('g', consumer, positions, { blockMs: 100, count: 5 })) {
          for (const e of s.entries) got.get(consumer)!.push(`${s.stream}/${e.id}`);
        }
      }
    })();
    for (let i = 0; i < total; i += 10) {
      await engine.appendBatch(Array.from({ length: 10 }, (_, k) => ({ stream: streams[(i + k) % streams.length]!, fields: ['i', String(i + k)] })));
    }
    await consume;
    const all = [...got.get('c1')!, ...got.get('c2')!];
    assert.equal(new Set(all).size, total, 'every entry delivered once');
    for (const [consumer, entries] of got) {
      const pending: string[] = [];
      for (const stream of streams) {
        for (const p of await engine.pendingRange(stream, 'g', { count: 1_000, consumer })) pending.push(`${stream}/${p.id}`);
      }
      assert.deepEqual(pending.sort(), [...entries].sort(), `what ${consumer} received is exactly what is pending for it`);
    }
    await reader.close();
  });

  test('closing a reader ends its blocked group read with CLIENT UNBLOCK on the node', async () => {
    const stream = uniqueName('unblock');
    await engine.createGroup(stream, 'g');
    // The first read opens the connection and learns the cluster's slots; the next one can be unblocked.
    await assertCloseUnblocks(engine, stream, 2, nodesInfo);
  });

  test('blocking plain reads over several slots deliver every entry once', async () => {
    const streams = streamsInDistinctSlots(uniqueName('plain'), 3);
    const reader = engine.openReader();
    const after = new Map(streams.map((s) => [s, '0-0']));
    const seen: string[] = [];
    const total = 90;
    const consume = (async () => {
      while (seen.length < total) {
        const got = await reader.read(
          streams.map((stream) => ({ stream, after: after.get(stream)! })),
          { blockMs: 200 },
        );
        for (const s of got) {
          for (const e of s.entries) seen.push(`${s.stream}/${e.id}`);
          after.set(s.stream, s.entries.at(-1)!.id);
        }
      }
    })();
    for (let i = 0; i < total; i++) await engine.append(streams[i % 3]!, ['i', String(i)]);
    await consume;
    assert.equal(new Set(seen).size, total);
    assert.equal(seen.length, total);
    await reader.close();
  });

  test('a reader that stays open keeps no reference to the results of its past reads', async () => {
    const stream = uniqueName('retention');
    await engine.append(stream, ['i', '1']);
    await assertReaderRetainsNoResults(engine, stream, 200);
  });

  test('idempotent append runs in the stream slot on the cluster', async () => {
    const stream = uniqueName('idem');
    assert.equal(keySlot(auxKey(stream, 'dedupe:x')), keySlot(stream));
    const first = await engine.appendIdempotent(stream, ['a', 'b'], 'x', 60_000);
    const again = await engine.appendIdempotent(stream, ['a', 'b'], 'x', 60_000);
    assert.deepEqual(again, { id: first.id, duplicate: true });
    assert.equal(await engine.length(stream), 1);
  });

  test('listStreams scans every master', async () => {
    const prefix = uniqueName('list');
    const streams = streamsInDistinctSlots(prefix, 8).sort();
    await engine.appendBatch(streams.map((stream) => ({ stream, fields: ['a', 'b'] })));
    assert.deepEqual(await engine.listStreams(prefix), streams);
    assert.deepEqual(await engine.listStreams(prefix, 3), streams.slice(0, 3));
    assert.equal(engine.kind, 'redis-cluster');
  });
});
