import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { waitFor } from '@streamerson/testkit';
import { MemoryEngine } from '../src/memory/memory-engine.js';
import { Producer } from '../src/producer/producer.js';
import { createReadStream } from '../src/facades/read-stream.js';
import { createWriteStream } from '../src/facades/write-stream.js';
import type { ConsumedMessage } from '../src/consumer/consumed-message.js';

function memory(): MemoryEngine {
  return new MemoryEngine(`f-${randomUUID()}`);
}

describe('Readable facade', () => {
  it('a slow reader over 100k entries keeps both buffers and the heap bounded', async () => {
    const engine = memory();
    const t = `t-${randomUUID()}`;
    const producer = new Producer<number>(engine, { topic: t, maxPending: 100_000, maxBatch: 1000 });
    await Promise.all(Array.from({ length: 100_000 }, (_, i) => producer.send(i)));
    await producer.close();

    const readable = createReadStream<number>(engine, { topic: t, from: 'beginning', prefetch: 50 }, { highWaterMark: 16 });
    const heapBefore = process.memoryUsage().heapUsed;
    let expected = 0;
    let maxReadable = 0;
    let maxConsumer = 0;
    for await (const m of readable as AsyncIterable<ConsumedMessage<number>>) {
      assert.equal(m.payload, expected++);
      maxReadable = Math.max(maxReadable, readable.readableLength);
      maxConsumer = Math.max(maxConsumer, readable.consumer.stats().buffered);
      if (expected % 200 === 0) await nextTurn(); // a slow reader
      if (expected === 5_000) break;
    }
    assert.ok(maxReadable <= 16, `readableLength ${maxReadable} within highWaterMark`);
    assert.ok(maxConsumer <= 50, `consumer buffer ${maxConsumer} within prefetch`);
    assert.ok(readable.consumer.stats().delivered <= 5_000 + 16 + 1, 'nothing read far ahead of the reader');
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(grown < 32 * 1024 * 1024, `heap grew ${grown} bytes`);
    assert.ok(readable.destroyed, 'breaking out destroys the stream');
    await engine.close();
  });

  it('stops reading while paused and resumes, in order', async () => {
    const engine = memory();
    const t = `t-${randomUUID()}`;
    const producer = new Producer<number>(engine, { topic: t });
    await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send(i)));
    const readable = createReadStream<number>(engine, { topic: t, from: 'beginning', prefetch: 20 }, { highWaterMark: 5 });
    readable.pause();
    readable.read(0);
    // The Readable's buffer fills up to its highWaterMark, and the consumer's behind it.
    await waitFor(() => readable.readableLength === 5 && readable.consumer.stats().buffered > 0, { what: 'both buffers to fill' });
    assert.ok(readable.readableLength <= 5);
    assert.ok(readable.consumer.stats().delivered <= 5 + 1, `delivered ${readable.consumer.stats().delivered} while paused`);
    assert.ok(readable.consumer.stats().buffered <= 20);
    const got: number[] = [];
    readable.on('data', (m: ConsumedMessage<number>) => {
      got.push(m.payload);
      if (got.length === 300) void readable.consumer.drain();
    });
    readable.resume();
    await once(readable, 'end');
    assert.deepEqual(
      got,
      Array.from({ length: 300 }, (_, i) => i),
    );
    await engine.close();
  });

  it('errors when the consumer fails', async () => {
    const engine = memory();
    const readable = createReadStream(engine, { topic: `t-${randomUUID()}`, from: 'beginning', blockMs: 10 });
    await readable.consumer.start();
    readable.resume();
    await engine.close();
    const [error] = (await once(readable, 'error')) as [{ code: string }];
    assert.equal(error.code, 'ERR_STREAMERSON_CLOSED');
  });
});

describe('Writable facade', () => {
  it('createWriteStream owns its producer: end() flushes and closes it', async () => {
    const engine = memory();
    const t = `t-${randomUUID()}`;
    const writable = createWriteStream(engine, { topic: t, shards: 2 }, { highWaterMark: 4 });
    for (let i = 0; i < 50; i++) {
      if (!writable.write({ payload: i, key: `k${i % 5}`, type: 'n' })) await once(writable, 'drain');
    }
    writable.end();
    await once(writable, 'finish');
    assert.equal((await engine.length(`${t}#0`)) + (await engine.length(`${t}#1`)), 50);
    await engine.close();
  });

  it('propagates append failures as stream errors', async () => {
    const engine = memory();
    const writable = createWriteStream(engine, { topic: `t-${randomUUID()}` });
    await engine.close();
    writable.write({ payload: 1 });
    const [error] = (await once(writable, 'error')) as [{ code: string }];
    assert.equal(error.code, 'ERR_STREAMERSON_CLOSED');
  });
});
