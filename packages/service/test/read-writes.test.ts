/**
 * On standalone Redis a member sends the replies and acks of its handlers
 * ahead of its next read, in the read's own round trip
 * (`BlockingReader.readGroupAfter`): a batch costs one write, on the member's
 * reader connection, whether the handlers return a value or a promise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Engine } from '@streamerson/core';
import { monitorRedis, startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { Client, Service } from '../src/index.js';

let server: RedisServer;
let engine: Engine;
before(async () => {
  server = await startRedis();
  engine = await connect(server.url);
});
after(async () => {
  await engine.close();
  await server.stop();
});

test('replies and acks ride on the next read of the member that ran the handlers', async () => {
  const topic = uniqueName('ride');
  // No claim scan in the window: a read loop busy with one leaves the replies to the outbox's own flush.
  const svc = new Service(engine, { name: 'ride', topic, consumer: 'm1', concurrency: 64, claimIntervalMs: 60_000, announce: false })
    .handle('value', (n: number) => n + 1)
    .handle('promise', async (n: number) => n + 1);
  await svc.start();
  const client = new Client(engine);
  assert.equal(await client.request(topic, 'value', 0), 1, 'warm: the group and the reply stream exist');

  const monitor = await monitorRedis(server.port);
  try {
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => client.request(topic, i % 2 === 0 ? 'value' : 'promise', i)));
    assert.deepEqual(replies, Array.from({ length: 40 }, (_, i) => i + 1));
    const acked = (): number => monitor.commands.filter((c) => c.name === 'xack').reduce((sum, c) => sum + c.args.length - 2, 0);
    await waitFor(() => acked() === 40, { what: 'the acks of 40 requests', timeoutMs: 2_000 });

    const readers = new Set(monitor.commands.filter((c) => c.name === 'xreadgroup').map((c) => c.source));
    const writers = new Set(monitor.commands.filter((c) => c.name === 'exec' || c.name === 'xack').map((c) => c.source));
    assert.equal(readers.size, 1, 'one member, one reader connection');
    assert.deepEqual([...writers], [...readers], 'every transaction of replies and acks went on the reader connection');
    // In each round trip the transaction comes right before the read it rides with.
    const own = monitor.commands.filter((c) => readers.has(c.source));
    own.forEach((c, i) => {
      if (c.name === 'exec') assert.equal(own[i + 1]?.name, 'xreadgroup', `EXEC at ${i} is followed by the read`);
    });
  } finally {
    monitor.stop();
    await client.close();
    await svc.close();
  }
});
