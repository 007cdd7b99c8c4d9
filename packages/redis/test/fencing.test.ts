import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auxKey, connect, hasFencing, type Engine, type Fencing } from '@streamerson/core';
import { monitorRedis, startRedis, startRedisCluster, uniqueName, waitFor, type RedisClusterHandle, type RedisServer } from '@streamerson/testkit';
import { keySlot } from '../src/slots.js';

/** A name whose slot differs from `than`'s. */
function otherSlot(than: string): string {
  for (let i = 0; ; i++) {
    const name = `${uniqueName('other')}-${i}`;
    if (keySlot(name) !== keySlot(than)) return name;
  }
}

async function fenced(url: string): Promise<Engine & Fencing> {
  const engine = await connect(url);
  assert.ok(hasFencing(engine));
  return engine;
}

describe('fenced writes on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let engine: Engine & Fencing;

  before(async () => {
    cluster = await startRedisCluster();
    engine = await fenced(cluster.url);
  });
  after(async () => {
    await engine.close();
    await cluster.stop();
  });

  test('a key outside the lease slot is refused by name before anything is sent', async () => {
    const stream = uniqueName('shard');
    const lease = auxKey(stream, 'lease');
    const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
    const stray = otherSlot(lease);
    await assert.rejects(
      engine.fencedWrite({
        lease,
        owner: 'a',
        epoch,
        appends: [
          { stream: auxKey(stream, 'log'), fields: ['k', '1'] },
          { stream: stray, fields: ['k', '2'] },
        ],
      }),
      (error: Error & { code?: string; option?: string }) => error.code === 'ERR_STREAMERSON_INVALID_OPTION' && error.option === 'appends[1].stream',
    );
    await assert.rejects(engine.fencedWrite({ lease, owner: 'a', epoch, hashes: [{ key: stray, set: [['f', 'v']] }] }), {
      code: 'ERR_STREAMERSON_INVALID_OPTION',
    });
    assert.equal(await engine.length(auxKey(stream, 'log')), 0);
  });

  test('follow-ups on other slots are appended after the fenced part, and never after a refused one', async () => {
    const stream = uniqueName('shard');
    const lease = auxKey(stream, 'lease');
    const reply = otherSlot(lease);
    const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
    const write = {
      lease,
      owner: 'a',
      epoch,
      appends: [{ stream: auxKey(stream, 'log'), fields: ['k', '1'] }],
      followUps: [{ stream: reply, fields: ['r', '1'] }],
    };
    const result = await engine.fencedWrite(write);
    assert.equal(result.ids.length, 1);
    assert.equal(await engine.length(reply), 1);
    await engine.releaseLease(lease, 'a', epoch);
    await assert.rejects(engine.fencedWrite(write), { code: 'ERR_STREAMERSON_FENCED' });
    assert.equal(await engine.length(reply), 1);
  });
});

describe('fenced writes on a standalone Redis server', () => {
  let server: RedisServer;
  let engine: Engine & Fencing;

  before(async () => {
    server = await startRedis();
    engine = await fenced(server.url);
  });
  after(async () => {
    await engine.close();
    await server.stop();
  });

  test('a follow-up that fails is reported and the rest of the write stands', async () => {
    const stream = uniqueName('shard');
    const lease = auxKey(stream, 'lease');
    const notAStream = uniqueName('string');
    await server.command('SET', notAStream, 'x');
    const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
    const result = await engine.fencedWrite({
      lease,
      owner: 'a',
      epoch,
      appends: [{ stream: auxKey(stream, 'log'), fields: ['k', '1'] }],
      followUps: [{ stream: notAStream, fields: ['r', '1'] }],
    });
    assert.match(String(result.followUpError?.message), /WRONGTYPE/);
    assert.equal(await engine.length(auxKey(stream, 'log')), 1);
  });

  test('a write goes as one EVALSHA, its non-ASCII and Buffer values intact, and after SCRIPT FLUSH as EVAL once', async () => {
    const stream = uniqueName('shard');
    const lease = auxKey(stream, 'lease');
    const log = auxKey(stream, 'log');
    const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
    await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', Buffer.from([0xff, 0x00, 0x41])] }] });
    const monitor = await monitorRedis(server.port);
    try {
      await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', 'ascii'] }] });
      await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', 'größe €', 'n', 'x'] }] });
      await server.command('SCRIPT', 'FLUSH');
      await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', 'after flush'] }] });
      await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', 'again'] }] });
      const scripts = (): string[] => monitor.commands.filter((c) => (c.name === 'evalsha' || c.name === 'eval') && c.args.includes(log)).map((c) => c.name);
      await waitFor(() => scripts().length >= 5, { what: 'the writes', timeoutMs: 2_000 });
      assert.deepEqual(
        scripts(),
        ['evalsha', 'evalsha', 'evalsha', 'eval', 'evalsha'],
        'the one after the flush is refused (NOSCRIPT), then sent with its source',
      );
    } finally {
      monitor.stop();
    }
    const entries = await engine.range(log, '-', '+', 10);
    assert.deepEqual(
      entries.map((e) => e.fields[1]),
      [Buffer.from([0xff, 0x00, 0x41]), Buffer.from('ascii'), Buffer.from('größe €'), Buffer.from('after flush'), Buffer.from('again')],
    );
  });

  test('leases keep time on the server: a lease is free once its ttl passed on the server clock', async () => {
    const lease = auxKey(uniqueName('shard'), 'lease');
    const grant = await engine.acquireLease(lease, 'a', 60_000);
    const stored = (await server.command('HGET', lease, 'until')) as string;
    const [seconds, micros] = (await server.command('TIME')) as [string, string];
    const serverNow = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
    const left = Number(stored) - serverNow;
    assert.ok(left > 55_000 && left <= 60_000, `expires ${left} ms from the server's now`);
    assert.equal(grant.epoch, 1);
  });
});
