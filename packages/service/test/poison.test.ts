/**
 * A message that kills every worker that runs it, across real processes on
 * Redis: the worker is restarted under the same name after each crash, as a
 * process manager would; once the message was delivered past `maxDeliveries`
 * without an outcome it is dead-lettered as poison without running again, and
 * the requests behind it are served. The requests read in the same batch as
 * the poison are not dragged down with it: after the first crash each runs
 * alone, and is answered once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, DeadLetters, RemoteError, type ServiceOptions } from '../src/index.js';
import { countById, type WorkLog, type WorkReply } from './side-effects.js';
import { killWorkers, startWorker, type WorkerProcess } from './workers.js';
import { useRedisEngine } from './redis-engine.js';

after(() => killWorkers());
const redis = useRedisEngine();

const MAX_DELIVERIES = 3;

/**
 * A supervisor: starts the worker, and restarts it under the same name each time it dies, until the poison is a
 * dead letter. Returns the crashes seen and the last worker (alive).
 */
async function superviseUntilDeadLetter(topic: string, options: Partial<ServiceOptions>, work?: WorkLog): Promise<{ crashes: number; worker: WorkerProcess }> {
  const services = [{ name: `svc-${topic}`, topic }];
  const letters = new DeadLetters(redis.engine, topic);
  let crashes = 0;
  const start = (): Promise<WorkerProcess> =>
    startWorker({ url: redis.server.url, consumer: 'w1', services, options, ...(work === undefined ? {} : { work }) });
  let worker = await start();
  while ((await letters.count()) === 0) {
    const exited = await Promise.race([
      worker.exited,
      waitFor(async () => (await letters.count()) > 0, { timeoutMs: 30_000, what: 'a crash or the dead letter' }).then(() => undefined),
    ]);
    if (exited === undefined) break;
    assert.equal(exited.signal, 'SIGKILL', 'the handler killed its own process');
    crashes++;
    assert.ok(crashes <= MAX_DELIVERIES, `at most ${MAX_DELIVERIES} crashes, saw ${crashes}`);
    worker = await start();
  }
  return { crashes, worker };
}

/** The poison's dead letter and its caller's error. */
async function assertPoisoned(topic: string, poison: Promise<unknown>): Promise<void> {
  const letters = new DeadLetters(redis.engine, topic);
  const [letter] = await letters.list();
  assert.equal(letter?.meta.errorCode, 'ERR_STREAMERSON_POISON');
  assert.equal(letter?.meta.deliveries, MAX_DELIVERIES + 1);
  assert.equal(await letters.count(), 1, 'only the poison is a dead letter');
  const err = await poison;
  assert.ok(err instanceof RemoteError, `the poison's caller gets an error reply, got ${String(err)}`);
  assert.equal(err.errorCode, 'ERR_STREAMERSON_DEAD_LETTER');
  assert.deepEqual(err.details, { errorCode: 'ERR_STREAMERSON_POISON', deliveries: MAX_DELIVERIES + 1 });
}

test('a handler that kills its own process is dead-lettered as poison after maxDeliveries crashes; the requests behind it are served', async () => {
  const topic = uniqueName('poison');
  // One slot: the requests behind the poison are not delivered while it crash-loops.
  const options = { concurrency: 1, maxDeliveries: MAX_DELIVERIES, claimIdleMs: 300, claimIntervalMs: 100, blockMs: 100 };
  const client = new Client(redis.engine, { timeout: 120_000, blockMs: 100 });
  try {
    const poison = client.request(topic, 'crash', null).catch((e: unknown) => e);
    await waitFor(async () => (await redis.engine.length(topic)) === 1, { what: 'the poison written first' });
    const innocent = Promise.all([1, 2, 3].map((n) => client.request(topic, 'add', { a: n, b: 10 })));

    const { crashes, worker } = await superviseUntilDeadLetter(topic, options);
    assert.equal(crashes, MAX_DELIVERIES, 'one crash per allowed delivery, none after');
    await assertPoisoned(topic, poison);
    assert.deepEqual(await innocent, [11, 12, 13]);
    await waitFor(async () => (await redis.engine.pendingSummary(topic, `svc-${topic}`)).count === 0, { what: 'everything acked' });
    assert.deepEqual(await worker.stop(), { code: 0, signal: null }, 'the last worker lives on and drains');
  } finally {
    await client.close();
  }
});

test('at concurrency 4, the requests read in the same batch as the poison are answered once, not dead-lettered', async () => {
  const topic = uniqueName('poison-batch');
  const work = { ledger: `${topic}:ledger`, invocations: `${topic}:invocations`, delayMs: 20 };
  const options = { concurrency: 4, maxDeliveries: MAX_DELIVERIES, claimIdleMs: 300, claimIntervalMs: 100, blockMs: 100 };
  const client = new Client(redis.engine, { timeout: 120_000, blockMs: 100 });
  try {
    // Written before the worker starts, so that its first read takes all four: the poison between innocent ones.
    const first = client.request<WorkReply>(topic, 'work', { n: 1 });
    const poison = client.request(topic, 'crash', null).catch((e: unknown) => e);
    const behind = [2, 3].map((n) => client.request<WorkReply>(topic, 'work', { n }));
    await waitFor(async () => (await redis.engine.length(topic)) === 4, { what: 'the four requests written' });

    const { crashes, worker } = await superviseUntilDeadLetter(topic, options, work);
    assert.equal(crashes, MAX_DELIVERIES, 'the crashes were charged to the poison alone');
    await assertPoisoned(topic, poison);
    const replies = await Promise.all([first, ...behind]);
    assert.deepEqual(
      replies.map((r) => r.square),
      [1, 4, 9],
      'the innocent requests are answered, not 504, not dead-lettered',
    );
    // Each ran at most twice: in the batch the first crash cut short, then alone after it.
    for (const r of replies) assert.ok(r.deliveries <= 2, `request ${r.n} answered on delivery ${r.deliveries}`);
    const invocations = await countById(redis.engine, work.invocations);
    for (const r of replies) assert.ok((invocations.get(r.key) ?? 0) <= 2, `request ${r.n} ran ${invocations.get(r.key)} times`);
    const ledger = await countById(redis.engine, work.ledger);
    for (const r of replies) assert.equal(ledger.get(r.key), 1, `one side effect of request ${r.n}`);
    assert.equal(client.stats().timeouts, 0);
    assert.equal(client.stats().unknownReplies, 0, 'each answered once');
    await waitFor(async () => (await redis.engine.pendingSummary(topic, `svc-${topic}`)).count === 0, { what: 'everything acked' });
    assert.deepEqual(await worker.stop(), { code: 0, signal: null }, 'the last worker lives on and drains');
  } finally {
    await client.close();
  }
});
