/**
 * A message that kills every worker that runs it, across real processes on
 * Redis: the worker is restarted under the same name after each crash, as a
 * process manager would; once the message was delivered past `maxDeliveries`
 * without an outcome it is dead-lettered as poison without running again, and
 * the requests behind it are served.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, DeadLetters, RemoteError } from '../src/index.js';
import { killWorkers, startWorker, type WorkerProcess } from './workers.js';
import { useRedisEngine } from './redis-engine.js';

after(() => killWorkers());
const redis = useRedisEngine();

const MAX_DELIVERIES = 3;

test('a handler that kills its own process is dead-lettered as poison after maxDeliveries crashes; the requests behind it are served', async () => {
  const topic = uniqueName('poison');
  const services = [{ name: `svc-${topic}`, topic }];
  // One slot: the requests behind the poison are not delivered while it crash-loops.
  const options = { concurrency: 1, maxDeliveries: MAX_DELIVERIES, claimIdleMs: 300, claimIntervalMs: 100, blockMs: 100 };
  const client = new Client(redis.engine, { timeout: 120_000, blockMs: 100 });
  try {
    const poison = client.request(topic, 'crash', null).catch((e: unknown) => e);
    await waitFor(async () => (await redis.engine.length(topic)) === 1, { what: 'the poison written first' });
    const innocent = Promise.all([1, 2, 3].map((n) => client.request(topic, 'add', { a: n, b: 10 })));

    let crashes = 0;
    let worker: WorkerProcess = await startWorker({ url: redis.server.url, consumer: 'w1', services, options });
    const letters = new DeadLetters(redis.engine, topic);
    // A supervisor: restart the worker under the same name each time it dies, until the poison is a dead letter.
    while ((await letters.count()) === 0) {
      const exited = await Promise.race([worker.exited, waitFor(async () => (await letters.count()) > 0, { timeoutMs: 30_000, what: 'a crash or the dead letter' }).then(() => undefined)]);
      if (exited === undefined) break;
      assert.equal(exited.signal, 'SIGKILL', 'the handler killed its own process');
      crashes++;
      assert.ok(crashes <= MAX_DELIVERIES, `at most ${MAX_DELIVERIES} crashes, saw ${crashes}`);
      worker = await startWorker({ url: redis.server.url, consumer: 'w1', services, options });
    }
    assert.equal(crashes, MAX_DELIVERIES, 'one crash per allowed delivery, none after');

    const [letter] = await letters.list();
    assert.equal(letter?.meta.errorCode, 'ERR_STREAMERSON_POISON');
    assert.equal(letter?.meta.deliveries, MAX_DELIVERIES + 1);
    assert.equal(await letters.count(), 1);
    const err = await poison;
    assert.ok(err instanceof RemoteError, `the poison's caller gets an error reply, got ${String(err)}`);
    assert.equal(err.errorCode, 'ERR_STREAMERSON_DEAD_LETTER');
    assert.deepEqual(err.details, { errorCode: 'ERR_STREAMERSON_POISON', deliveries: MAX_DELIVERIES + 1 });
    assert.deepEqual(await innocent, [11, 12, 13]);
    await waitFor(async () => (await redis.engine.pendingSummary(topic, `svc-${topic}`)).count === 0, { what: 'everything acked' });
    assert.deepEqual(await worker.stop(), { code: 0, signal: null }, 'the last worker lives on and drains');
  } finally {
    await client.close();
  }
});
