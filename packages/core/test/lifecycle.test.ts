import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { checkLifecycle } from '@streamerson/testkit';
import { Consumer } from '../src/consumer/consumer.js';
import { ClosedSignal } from '../src/lifecycle.js';
import { MemoryEngine } from '../src/memory/memory-engine.js';
import { Producer } from '../src/producer/producer.js';

const engine = new MemoryEngine(`lifecycle-${randomUUID()}`);
const topic = (): string => `t-${randomUUID()}`;

describe('the lifecycle contract', () => {
  it('MemoryEngine', async () => {
    await checkLifecycle(() => new MemoryEngine(`lc-${randomUUID()}`));
  });

  it('Producer: drain and dispose store what was sent before', async () => {
    await checkLifecycle(() => new Producer<number>(engine, { topic: topic() }), {
      work: (p) => (p as Producer<number>).send(1),
    });
  });

  it('Consumer (from): drain delivers what is buffered, then ends the iteration', async () => {
    await checkLifecycle(
      async () => {
        const t = topic();
        const producer = new Producer<number>(engine, { topic: t });
        await Promise.all([producer.send(1), producer.send(2)]);
        await producer.close();
        return new Consumer<number>(engine, { topic: t, from: 'beginning', blockMs: 50 });
      },
      {
        work: async (c) => {
          for await (const _ of c as Consumer<number>) {
            // drain ends the iteration once the buffer is empty
          }
        },
      },
    );
  });

  it('Consumer (group)', async () => {
    await checkLifecycle(() => new Consumer<number>(engine, { topic: topic(), group: 'g', blockMs: 50, autoAck: true }));
  });

  it('a consumer that failed resolves closed with its error', async () => {
    const own = new MemoryEngine(`lc-${randomUUID()}`);
    const consumer = new Consumer(own, { topic: topic(), from: 'beginning', blockMs: 10 });
    await consumer.start();
    await own.close();
    const error = await consumer.closed;
    assert.equal((error as { code?: string } | undefined)?.code, 'ERR_STREAMERSON_CLOSED');
  });

  it('stats() report state and counts', async () => {
    const t = topic();
    const producer = new Producer<number>(engine, { topic: t });
    await producer.send(1);
    await producer.flush();
    assert.deepEqual(producer.stats(), { state: 'open', pending: 0, sent: 1, failed: 0 });
    const consumer = new Consumer<number>(engine, { topic: t, from: 'beginning' });
    assert.deepEqual(consumer.stats(), { state: 'idle', buffered: 0, delivered: 0, badEntries: 0 });
    for await (const _ of consumer) break;
    assert.deepEqual(consumer.stats(), { state: 'closed', buffered: 0, delivered: 1, badEntries: 0 });
    await producer.close();
    assert.equal(producer.stats().state, 'closed');
  });
});

describe('ClosedSignal', () => {
  it('settles once, with the first error', async () => {
    const signal = new ClosedSignal();
    assert.equal(signal.settled, false);
    const first = new Error('first');
    signal.settle(first);
    signal.settle(new Error('second'));
    signal.settle();
    assert.equal(signal.settled, true);
    assert.equal(await signal.promise, first);
  });
});
