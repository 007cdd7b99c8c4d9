import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MemoryEngine } from '../src/memory/memory-engine.js';
import { Producer } from '../src/producer/producer.js';
import { Consumer } from '../src/consumer/consumer.js';
import { createReadStream } from '../src/facades/read-stream.js';
import { createWriteStream } from '../src/facades/write-stream.js';
import type { ConsumedMessage } from '../src/consumer/consumed-message.js';
import type { ProducerRecord } from '../src/producer/producer.js';

describe('stream.pipeline over remote streams', () => {
  it('moves N messages from topic A through a Transform into topic B, in order', async () => {
    const engine = new MemoryEngine(`pl-${randomUUID()}`);
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    const n = 2_000;
    const producer = new Producer<number>(engine, { topic: a });
    await Promise.all(Array.from({ length: n }, (_, i) => producer.send(i, { type: 'num' })));
    await producer.close();

    const source = createReadStream<number>(engine, { topic: a, from: 'beginning' });
    let seen = 0;
    const double = new Transform({
      objectMode: true,
      transform(m: ConsumedMessage<number>, _enc, callback) {
        if (++seen === n) void source.consumer.drain();
        callback(null, { payload: { doubled: m.payload * 2 }, type: m.type, headers: { from: m.entryId } } satisfies ProducerRecord);
      },
    });
    await pipeline(source, double, createWriteStream(engine, { topic: b }));

    const out: { doubled: number }[] = [];
    for await (const m of new Consumer<{ doubled: number }>(engine, { topic: b, from: 'beginning' })) {
      assert.equal(m.type, 'num');
      out.push(m.payload);
      if (out.length === n) break;
    }
    assert.deepEqual(
      out.map((p) => p.doubled),
      Array.from({ length: n }, (_, i) => i * 2),
    );
    assert.equal(await engine.length(b), n);
    await engine.close();
  });
});
