import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { uniqueName } from '@streamerson/testkit';
import {
  Consumer,
  Producer,
  compareStreamIds,
  connect,
  createReadStream,
  createWriteStream,
  streamKey,
  type ConsumedMessage,
  type Engine,
  type ProducerRecord,
} from '@streamerson/core';

/** A flow that hangs (an engine that keeps failing is retried forever) fails after this long instead. */
const TEST_TIMEOUT_MS = 20_000;

/** A started server: its engine URL and how to stop it. */
export interface EngineFixture {
  readonly url: string;
  teardown(): Promise<void>;
}

async function take<P>(consumer: Consumer<P>, n: number): Promise<ConsumedMessage<P>[]> {
  const out: ConsumedMessage<P>[] = [];
  for await (const m of consumer) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

/** Registers the producer/consumer suite against the engine `setup` starts. */
export function producerConsumerFlows(name: string, setup: () => Promise<EngineFixture>): void {
  describe(`producer and consumer flows (${name})`, () => {
    let fixture: EngineFixture;
    let engine: Engine;

    before(async () => {
      fixture = await setup();
      engine = await connect(fixture.url);
    });

    after(async () => {
      await engine?.close();
      await fixture?.teardown();
    });

    it('batches sends, routes by key across shards, and reads every shard in order', { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueName('orders');
      const shards = 4;
      const producer = new Producer<{ key: string; n: number }>(engine, { topic, shards });
      const keys = Array.from({ length: 400 }, (_, i) => `customer-${i % 40}`);
      const receipts = await Promise.all(keys.map((key, n) => producer.send({ key, n }, { key })));
      await producer.close();
      assert.equal(new Set(receipts.map((r) => r.stream)).size, shards, 'every shard used');
      const consumer = new Consumer<{ key: string; n: number }>(engine, { topic, shards, from: 'beginning', prefetch: 64 });
      const got = await take(consumer, keys.length);
      assert.deepEqual(
        got.map((m) => m.payload.n).sort((a, b) => a - b),
        keys.map((_, n) => n),
      );
      const lastByStream = new Map<string, string>();
      for (const m of got) {
        const prev = lastByStream.get(m.stream);
        if (prev !== undefined) assert.ok(compareStreamIds(prev, m.entryId) < 0, 'in order within a shard');
        lastByStream.set(m.stream, m.entryId);
        assert.equal(m.stream, receipts[m.payload.n]!.stream);
      }
    });

    it('latest: delivers new messages; close interrupts the blocking read', { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueName('live');
      const producer = new Producer<string>(engine, { topic });
      await producer.send('before');
      const consumer = new Consumer<string>(engine, { topic, blockMs: 30_000 });
      await consumer.start();
      const reading = take(consumer, 1);
      await producer.send('after');
      assert.deepEqual(
        (await reading).map((m) => m.payload),
        ['after'],
      );
      const idle = new Consumer<string>(engine, { topic, blockMs: 30_000 });
      const loop = take(idle, 1);
      await idle.start();
      const started = Date.now();
      await idle.close();
      assert.deepEqual(await loop, []);
      assert.ok(Date.now() - started < 2_000, 'close did not wait for the blocking read');
      await producer.close();
    });

    it('idempotent producer: a duplicate message id is stored once', { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueName('idem');
      const producer = new Producer<string>(engine, { topic, durability: 'idempotent' });
      const [a, b] = await Promise.all([producer.send('x', { id: 'm-1' }), producer.send('y', { id: 'm-1' })]);
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, true);
      assert.equal(b.id, a.id);
      assert.equal(await engine.length(streamKey(topic)), 1);
      await producer.close();
    });

    it('group: two consumers split the load, ack, and re-read their own pending entries after restart', { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueName('jobs');
      const shards = 2;
      const producer = new Producer<number>(engine, { topic, shards });
      const a = new Consumer<number>(engine, { topic, shards, group: 'workers', consumer: 'a', startAt: '0', prefetch: 10 });
      const b = new Consumer<number>(engine, { topic, shards, group: 'workers', consumer: 'b', startAt: '0', prefetch: 10 });
      await Promise.all([a.start(), b.start()]);
      await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send(i)));
      const seen: { by: string; n: number }[] = [];
      const run = async (c: Consumer<number>, by: string): Promise<void> => {
        for await (const m of c) {
          seen.push({ by, n: m.payload });
          await m.ack();
          if (seen.length === 200) void Promise.all([a.drain(), b.drain()]);
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await Promise.all([run(a, 'a'), run(b, 'b')]);
      assert.deepEqual(
        seen.map((s) => s.n).sort((x, y) => x - y),
        Array.from({ length: 200 }, (_, i) => i),
      );
      assert.ok(seen.some((s) => s.by === 'a') && seen.some((s) => s.by === 'b'));
      for (const stream of [streamKey(topic, 0, shards), streamKey(topic, 1, shards)]) {
        assert.equal((await engine.pendingSummary(stream, 'workers')).count, 0);
      }

      await Promise.all([1000, 1001, 1002].map((n) => producer.send(n)));
      const crashed = await take(new Consumer<number>(engine, { topic, shards, group: 'workers', consumer: 'c', prefetch: 10 }), 3);
      assert.ok(crashed.every((m) => !m.redelivered));
      await producer.send(2000);
      const restarted = await take(new Consumer<number>(engine, { topic, shards, group: 'workers', consumer: 'c', autoAck: true }), 4);
      assert.deepEqual(
        restarted.slice(0, 3).map((m) => m.redelivered),
        [true, true, true],
      );
      assert.deepEqual(
        restarted
          .slice(0, 3)
          .map((m) => m.payload)
          .sort(),
        [1000, 1001, 1002],
      );
      // 2000 comes last. It is usually new, but the first "c" may still have had a blocking
      // read on the server when 2000 arrived: then it became c's pending entry, redelivered.
      assert.equal(restarted[3]!.payload, 2000);
      await producer.close();
    });

    it('from with offsetName: resumes after the last processed message', { timeout: TEST_TIMEOUT_MS }, async () => {
      const topic = uniqueName('audit');
      const producer = new Producer<number>(engine, { topic, shards: 2, routing: 'round-robin' });
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(i)));
      await producer.close();
      const first = await take(new Consumer<number>(engine, { topic, shards: 2, offsetName: 'reader' }), 8);
      const rest = await take(new Consumer<number>(engine, { topic, shards: 2, offsetName: 'reader' }), 12);
      const all = [...first, ...rest].map((m) => m.payload).sort((x, y) => x - y);
      assert.deepEqual(
        all,
        Array.from({ length: 20 }, (_, i) => i),
        'every message once across the restart',
      );
    });

    it('stream.pipeline: topic A through a Transform into topic B', { timeout: TEST_TIMEOUT_MS }, async () => {
      const a = uniqueName('pipe-a');
      const b = uniqueName('pipe-b');
      const n = 1_000;
      const producer = new Producer<number>(engine, { topic: a });
      await Promise.all(Array.from({ length: n }, (_, i) => producer.send(i)));
      await producer.close();
      const source = createReadStream<number>(engine, { topic: a, from: 'beginning' });
      let seen = 0;
      const square = new Transform({
        objectMode: true,
        transform(m: ConsumedMessage<number>, _encoding, callback) {
          if (++seen === n) void source.consumer.drain();
          callback(null, { payload: m.payload * m.payload } satisfies ProducerRecord);
        },
      });
      await pipeline(source, square, createWriteStream(engine, { topic: b }));
      const out = await take(new Consumer<number>(engine, { topic: b, from: 'beginning' }), n);
      assert.deepEqual(
        out.map((m) => m.payload),
        Array.from({ length: n }, (_, i) => i * i),
      );
    });
  });
}
