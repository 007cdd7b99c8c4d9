import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Engine } from '@streamerson/core';
import { startRedisSentinel, uniqueName, waitFor, type RedisSentinelHandle } from '@streamerson/testkit';
import { createRedisEngine } from '../src/index.js';

/** The ids of a stream on one node, read straight from it. */
async function idsOn(node: { command(...args: string[]): Promise<unknown> }, stream: string): Promise<string[]> {
  const reply = (await node.command('XRANGE', stream, '-', '+')) as [string, unknown][];
  return reply.map(([id]) => id);
}

describe('the replicas option (WAIT), on a master with one replica found through Sentinels', () => {
  let sentinel: RedisSentinelHandle;
  let confirmed: Engine;
  let impossible: Engine;

  before(async () => {
    sentinel = await startRedisSentinel();
    confirmed = await connect(sentinel.url, { redis: { replicas: 1 } });
    // Two confirmations from a single replica never come.
    impossible = await connect(sentinel.url, { redis: { replicas: 2, replicaTimeoutMs: 50 } });
  });
  after(async () => {
    await confirmed.close();
    await impossible.close();
    await sentinel.stop();
  });

  test('the engine follows the master the Sentinels name', async () => {
    assert.equal(confirmed.kind, 'redis-sentinel');
    assert.equal(confirmed.url, sentinel.url);
    const stream = uniqueName('where');
    const id = await confirmed.append(stream, ['k', 'v']);
    assert.deepEqual(await idsOn(await sentinel.master(), stream), [id]);
  });

  test('every kind of append resolves once the replica has it', async () => {
    const replica = sentinel.nodes[1]!;
    const stream = uniqueName('confirmed');
    const single = await confirmed.append(stream, ['k', '1']);
    assert.deepEqual(await idsOn(replica, stream), [single]);
    const [a, b] = await Promise.all([confirmed.append(stream, ['k', '2']), confirmed.append(stream, ['k', '3'])]);
    const batch = await confirmed.appendBatch([
      { stream, fields: ['k', '4'] },
      { stream, fields: ['k', '5'] },
    ]);
    const idem = await confirmed.appendIdempotent(stream, ['k', '6'], uniqueName('m'), 60_000);
    assert.deepEqual(await idsOn(replica, stream), [single, a, b, ...batch, idem.id]);
  });

  test('when too few replicas confirm in time, every kind of write rejects with ERR_STREAMERSON_NOT_REPLICATED, and is on the master', async () => {
    const stream = uniqueName('unconfirmed');
    const code = { code: 'ERR_STREAMERSON_NOT_REPLICATED' };
    await assert.rejects(impossible.append(stream, ['k', '1']), code);
    await assert.rejects(Promise.all([impossible.append(stream, ['k', '2']), impossible.append(stream, ['k', '3'])]), code);
    await assert.rejects(impossible.appendBatch([{ stream, fields: ['k', '4'] }]), code);
    await assert.rejects(impossible.appendIdempotent(stream, ['k', '5'], uniqueName('m'), 60_000), code);
    await impossible.createGroup(stream, 'g', '0');
    const [read] = await impossible.readGroup('g', 'c', [{ stream, after: '>' }], { count: 2 });
    const [first, second] = read!.entries.map((e) => e.id);
    await assert.rejects(impossible.appendAndAck([{ stream, fields: ['k', '6'] }], 'g', [{ stream, ids: [first!] }]), code);
    const reader = impossible.openReader();
    try {
      const settled: unknown[] = [];
      await reader.readGroupAfter!(
        { appends: [{ stream, fields: ['k', '7'] }], acks: [{ stream, ids: [second!] }], settled: (error) => settled.push(error) },
        'g',
        'c',
        [{ stream, after: '>' }],
        { count: 10, blockMs: 10 },
      );
      await waitFor(() => settled.length === 1, { what: 'the writes before the read to settle' });
      assert.equal((settled[0] as { code?: string } | undefined)?.code, 'ERR_STREAMERSON_NOT_REPLICATED', String(settled[0]));
    } finally {
      await reader.close();
    }
    assert.equal((await idsOn(await sentinel.master(), stream)).length, 7, 'every write reached the master');
  });

  test('a Cluster refuses the option, naming it', () => {
    assert.throws(() => createRedisEngine('redis+cluster://127.0.0.1:7000', { replicas: 1 }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'replicas' });
  });
});
