/**
 * On standalone Redis a member sends the replies and acks of its handlers
 * ahead of its next read, in the read's own round trip
 * (`BlockingReader.readGroupAfter`): a batch costs one write, on the member's
 * reader connection, whether the handlers return a value or a promise, and
 * also when the batch took every slot (the slots its writes free are the
 * next read's credit), without ever running more handlers than the concurrency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorRedis, uniqueName, waitFor, type MonitoredCommand } from '@streamerson/testkit';
import { Client, Service } from '../src/index.js';
import { useRedisEngine } from './redis-engine.js';

const redis = useRedisEngine();

/** On the reader connection, each transaction comes right before the read it rides with. */
function assertRidesOnReads(commands: readonly MonitoredCommand[], reader: string): void {
  const own = commands.filter((c) => c.source === reader);
  assert.ok(
    own.some((c) => c.name === 'exec'),
    'a transaction on the reader connection',
  );
  own.forEach((c, i) => {
    if (c.name === 'exec') assert.equal(own[i + 1]?.name, 'xreadgroup', `EXEC at ${i} is followed by the read`);
  });
}

test('replies and acks ride on the next read of the member that ran the handlers', async () => {
  const topic = uniqueName('ride');
  // No claim scan in the window: a read loop busy with one leaves the replies to the outbox's own flush.
  const svc = new Service(redis.engine, { name: 'ride', topic, consumer: 'm1', concurrency: 64, claimIntervalMs: 60_000, announce: false })
    .handle('value', (n: number) => n + 1)
    .handle('promise', async (n: number) => n + 1);
  await svc.start();
  const client = new Client(redis.engine);
  assert.equal(await client.request(topic, 'value', 0), 1, 'warm: the group and the reply stream exist');

  const monitor = await monitorRedis(redis.server.port);
  try {
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => client.request(topic, i % 2 === 0 ? 'value' : 'promise', i)));
    assert.deepEqual(
      replies,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const acked = (): number => monitor.commands.filter((c) => c.name === 'xack').reduce((sum, c) => sum + c.args.length - 2, 0);
    await waitFor(() => acked() === 40, { what: 'the acks of 40 requests', timeoutMs: 2_000 });

    const readers = new Set(monitor.commands.filter((c) => c.name === 'xreadgroup').map((c) => c.source));
    const writers = new Set(monitor.commands.filter((c) => c.name === 'exec' || c.name === 'xack').map((c) => c.source));
    assert.equal(readers.size, 1, 'one member, one reader connection');
    assert.deepEqual([...writers], [...readers], 'every transaction of replies and acks went on the reader connection');
    assertRidesOnReads(monitor.commands, [...readers][0]!);
  } finally {
    monitor.stop();
    await client.close();
    await svc.close();
  }
});

/** Appends `n` requests before any member runs, so that every read fills all the member's slots; returns their replies. */
async function backlog(client: Client, topic: string, n: number, type: (i: number) => string): Promise<Promise<unknown>[]> {
  const sent = Array.from({ length: n }, (_, i) => client.request(topic, type(i), i));
  await waitFor(async () => (await redis.engine.info(topic))?.length === n, { what: `${n} requests stored`, timeoutMs: 2_000 });
  return sent;
}

test('with every slot held, the writes of finished handlers go ahead of a read of as many entries', async () => {
  const topic = uniqueName('full');
  const concurrency = 4;
  const svc = new Service(redis.engine, { name: 'full', topic, consumer: 'm1', concurrency, claimIntervalMs: 60_000, announce: false }).handle(
    'value',
    (n: number) => n * 2,
  );
  const client = new Client(redis.engine);
  const monitor = await monitorRedis(redis.server.port);
  try {
    const sent = await backlog(client, topic, 60, () => 'value');
    await svc.start();
    assert.deepEqual(
      await Promise.all(sent),
      Array.from({ length: 60 }, (_, i) => i * 2),
    );
    await waitFor(() => monitor.commands.filter((c) => c.name === 'xack').length >= 15, { what: 'the acks', timeoutMs: 2_000 });

    const reads = monitor.commands.filter((c) => c.name === 'xreadgroup' && c.args.at(-2) === topic);
    const reader = reads[0]!.source;
    assert.ok(
      reads.every((c) => c.source === reader),
      'one reader connection',
    );
    const counts = reads.map((c) => Number(c.args[c.args.indexOf('COUNT') + 1]));
    assert.ok(
      counts.every((count) => count === concurrency),
      `every read asks for the ${concurrency} slots, free or freed by its writes: ${counts.join(' ')}`,
    );
    assert.deepEqual(new Set(monitor.commands.filter((c) => c.name === 'exec').map((c) => c.source)), new Set([reader]), 'every transaction rides on a read');
    assertRidesOnReads(monitor.commands, reader);
  } finally {
    monitor.stop();
    await client.close();
    await svc.close();
  }
});

test('reading behind queued writes never runs more handlers at once than the concurrency', async () => {
  const topic = uniqueName('limit');
  const concurrency = 4;
  let running = 0;
  let most = 0;
  const track = async (n: number, wait: () => Promise<unknown>): Promise<number> => {
    most = Math.max(most, ++running);
    await wait();
    running--;
    return n * 2;
  };
  const svc = new Service(redis.engine, { name: 'limit', topic, consumer: 'm1', concurrency, claimIntervalMs: 60_000, announce: false })
    .handle('now', (n: number) => track(n, () => Promise.resolve()))
    .handle('tick', (n: number) => track(n, () => new Promise((resolve) => setImmediate(resolve))))
    .handle('slow', (n: number) => track(n, () => new Promise((resolve) => setTimeout(resolve, 2))));
  const client = new Client(redis.engine);
  try {
    const types = ['now', 'tick', 'slow', 'now', 'now'];
    const sent = await backlog(client, topic, 100, (i) => types[i % types.length]!);
    await svc.start();
    assert.deepEqual(
      await Promise.all(sent),
      Array.from({ length: 100 }, (_, i) => i * 2),
    );
    assert.ok(most <= concurrency, `at most ${concurrency} handlers at once, saw ${most}`);
    assert.equal(most, concurrency, 'the member used its slots');
  } finally {
    await client.close();
    await svc.close();
  }
});
