import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Engine } from '../src/engine/types.js';
import { MemoryEngine } from '../src/memory/memory-engine.js';
import { Producer } from '../src/producer/producer.js';
import { Consumer } from '../src/consumer/consumer.js';
import type { ConsumedMessage, RetryEvent } from '../src/consumer/consumed-message.js';
import { ProtocolError } from '../src/errors.js';
import { auxKey } from '../src/keys.js';
import { encodeMessage } from '../src/protocol/codec.js';
import { streamIdTime } from '../src/protocol/stream-id.js';

function memory(): MemoryEngine {
  return new MemoryEngine(`c-${randomUUID()}`);
}

function topic(): string {
  return `t-${randomUUID()}`;
}

async function produce(engine: Engine, t: string, payloads: unknown[], shards = 1): Promise<string[]> {
  const producer = new Producer(engine, { topic: t, shards });
  const receipts = await Promise.all(payloads.map((p) => producer.send(p)));
  await producer.close();
  return receipts.map((r) => r.id);
}

/** Takes `n` messages from a consumer through for-await, then leaves the loop (which closes it). */
async function take<P>(consumer: Consumer<P>, n: number): Promise<ConsumedMessage<P>[]> {
  const out: ConsumedMessage<P>[] = [];
  if (n === 0) return out;
  for await (const m of consumer) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

describe('Consumer', () => {
  it('latest: delivers only what is appended after it started', async () => {
    const engine = memory();
    const t = topic();
    await produce(engine, t, ['old']);
    const consumer = new Consumer<string>(engine, { topic: t });
    assert.equal(consumer.config.mode, 'latest');
    await consumer.start();
    await produce(engine, t, ['new-1', 'new-2']);
    assert.deepEqual(
      (await take(consumer, 2)).map((m) => m.payload),
      ['new-1', 'new-2'],
    );
    await engine.close();
  });

  it('from: the beginning, an entry id (inclusive) or a time', async () => {
    const engine = memory();
    const t = topic();
    const ids = await produce(engine, t, [0, 1, 2, 3]);
    const all = await take(new Consumer<number>(engine, { topic: t, from: 'beginning' }), 4);
    assert.deepEqual(
      all.map((m) => m.payload),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      all.map((m) => m.entryId),
      ids,
    );
    const fromId = await take(new Consumer<number>(engine, { topic: t, from: ids[2]! }), 2);
    assert.deepEqual(
      fromId.map((m) => m.payload),
      [2, 3],
    );
    // An entry 10 ms after the last one; a start time between them selects it alone.
    const last = Number(streamIdTime(ids[3]!));
    await engine.append(t, encodeMessage({ payload: 4 }), { id: `${last + 10}-0` });
    const fromTime = await take(new Consumer<number>(engine, { topic: t, from: new Date(last + 1) }), 1);
    assert.deepEqual(
      fromTime.map((m) => m.payload),
      [4],
    );
    await engine.close();
  });

  it('from with offsetName: resumes after the last processed message on restart', async () => {
    const engine = memory();
    const t = topic();
    await produce(
      engine,
      t,
      Array.from({ length: 10 }, (_, i) => i),
    );
    const first = await take(new Consumer<number>(engine, { topic: t, offsetName: 'audit' }), 4);
    assert.deepEqual(
      first.map((m) => m.payload),
      [0, 1, 2, 3],
    );
    assert.equal(await engine.length(auxKey(t, 'offset:audit')), 1, 'one offset entry per stream');
    const second = await take(new Consumer<number>(engine, { topic: t, offsetName: 'audit' }), 6);
    assert.deepEqual(
      second.map((m) => m.payload),
      [4, 5, 6, 7, 8, 9],
    );
    const other = await take(new Consumer<number>(engine, { topic: t, offsetName: 'other' }), 1);
    assert.deepEqual(
      other.map((m) => m.payload),
      [0],
      'offsets are per name',
    );
    await engine.close();
  });

  it('reads every shard of a topic, or only the assigned ones', async () => {
    const engine = memory();
    const t = topic();
    await produce(
      engine,
      t,
      Array.from({ length: 8 }, (_, i) => i),
      4,
    );
    const all = await take(new Consumer<number>(engine, { topic: t, shards: 4, from: 'beginning' }), 8);
    assert.deepEqual(all.map((m) => m.payload).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const some = await take(new Consumer<number>(engine, { topic: t, shards: 4, assignedShards: [1], from: 'beginning' }), 2);
    assert.deepEqual(
      some.map((m) => m.payload),
      [1, 5],
    );
    await engine.close();
  });

  it('group: two consumers split the load without duplicates, and ack', async () => {
    const engine = memory();
    const t = topic();
    const a = new Consumer<number>(engine, { topic: t, group: 'workers', consumer: 'a', prefetch: 5 });
    const b = new Consumer<number>(engine, { topic: t, group: 'workers', consumer: 'b', prefetch: 5 });
    await Promise.all([a.start(), b.start()]);
    const seen: { by: string; n: number }[] = [];
    const run = async (c: Consumer<number>, by: string): Promise<void> => {
      for await (const m of c) {
        seen.push({ by, n: m.payload });
        await m.ack();
        if (seen.length === 100) void Promise.all([a.drain(), b.drain()]);
        // Let the other consumer take its turn.
        await nextTurn();
      }
    };
    const done = Promise.all([run(a, 'a'), run(b, 'b')]);
    await produce(
      engine,
      t,
      Array.from({ length: 100 }, (_, i) => i),
    );
    await done;
    assert.deepEqual(
      seen.map((s) => s.n).sort((x, y) => x - y),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.ok(seen.some((s) => s.by === 'a') && seen.some((s) => s.by === 'b'), 'both consumers got messages');
    assert.equal((await engine.pendingSummary(t, 'workers')).count, 0);
    await engine.close();
  });

  it('group: re-reads its own pending entries on restart before new ones', async () => {
    const engine = memory();
    const t = topic();
    const first = new Consumer<number>(engine, { topic: t, group: 'g', consumer: 'w1', startAt: '0' });
    await produce(engine, t, [1, 2, 3]);
    const unacked = await take(first, 2);
    assert.deepEqual(
      unacked.map((m) => [m.payload, m.redelivered]),
      [
        [1, false],
        [2, false],
      ],
    );
    await produce(engine, t, [4]);
    const again = await take(new Consumer<number>(engine, { topic: t, group: 'g', consumer: 'w1', autoAck: true }), 4);
    // 3 was buffered by the first consumer when it closed, so it is pending too.
    assert.deepEqual(
      again.map((m) => [m.payload, m.redelivered]),
      [
        [1, true],
        [2, true],
        [3, true],
        [4, false],
      ],
    );
    assert.equal((await engine.pendingSummary(t, 'g')).count, 0, 'autoAck acked all four');
    await engine.close();
  });

  it('bad entries never break iteration; they are reported with an ack', async () => {
    const engine = memory();
    const t = topic();
    await produce(engine, t, ['a']);
    await engine.append(t, ['not', 'a message']);
    await produce(engine, t, ['b']);
    const consumer = new Consumer<string>(engine, { topic: t, group: 'g', startAt: '0' });
    const bad: ProtocolError[] = [];
    const acks: Promise<void>[] = [];
    consumer.on('badEntry', (error: ProtocolError, ack: () => Promise<void>) => {
      bad.push(error);
      acks.push(ack());
    });
    const got = await take(consumer, 2);
    assert.deepEqual(
      got.map((m) => m.payload),
      ['a', 'b'],
    );
    assert.equal(bad.length, 1);
    assert.ok(bad[0] instanceof ProtocolError);
    assert.equal(consumer.stats().badEntries, 1);
    await Promise.all(acks);
    const pending = await engine.pendingRange(t, 'g', { count: 10 });
    assert.equal(pending.length, 2, 'the bad entry was acked by the hook; the good ones remain');
    await engine.close();
  });

  it('refuses a second consumption style', async () => {
    const engine = memory();
    const consumer = new Consumer(engine, { topic: topic() });
    consumer[Symbol.asyncIterator]();
    assert.throws(() => consumer.on('message', () => undefined), { code: 'ERR_STREAMERSON_CONSUMPTION_STYLE' });
    assert.throws(() => consumer.readable(), { code: 'ERR_STREAMERSON_CONSUMPTION_STYLE' });
    assert.throws(() => consumer[Symbol.asyncIterator](), { code: 'ERR_STREAMERSON_CONSUMPTION_STYLE' });
    await consumer.close();
    await engine.close();
  });

  it('events style: awaits async listeners one message at a time, then "end" on drain', async () => {
    const engine = memory();
    const t = topic();
    await produce(engine, t, [1, 2, 3]);
    const consumer = new Consumer<number>(engine, { topic: t, from: 'beginning' });
    const got: number[] = [];
    let active = 0;
    const ended = new Promise((resolve) => consumer.once('end', () => resolve(undefined)));
    consumer.on('message', async (m: ConsumedMessage<number>) => {
      assert.equal(++active, 1, 'one message at a time');
      await nextTurn();
      got.push(m.payload);
      active--;
      if (got.length === 3) void consumer.drain();
    });
    await ended;
    assert.deepEqual(got, [1, 2, 3]);
    await engine.close();
  });

  it('with one read loop per stream (cluster engines), a blocking read never starves the others', async () => {
    const base = memory();
    const engine = new Proxy(base, { get: (target, prop) => (prop === 'kind' ? 'redis-cluster' : Reflect.get(target, prop, target)) });
    const t = topic();
    await produce(
      engine,
      t,
      Array.from({ length: 20 }, (_, i) => i),
      2,
    );
    const got = await take(new Consumer<number>(engine, { topic: t, shards: 2, from: 'beginning', blockMs: 60_000 }), 20);
    assert.deepEqual(
      got.map((m) => m.payload).sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await base.close();
  });

  it('keeps at most prefetch messages buffered when the user is slow', async () => {
    const engine = memory();
    const t = topic();
    await produce(
      engine,
      t,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const consumer = new Consumer<number>(engine, { topic: t, from: 'beginning', prefetch: 10 });
    const it = consumer[Symbol.asyncIterator]();
    for (let i = 0; i < 25; i++) {
      const r = await it.next();
      assert.equal(r.value?.payload, i);
      // A slow user: the reads run meanwhile.
      await nextTurn();
      assert.ok(consumer.stats().buffered <= 10, `buffered ${consumer.stats().buffered} within prefetch`);
    }
    assert.ok(consumer.stats().delivered + consumer.stats().buffered <= 35, 'reads stop when the buffer is full');
    await it.return?.();
    await engine.close();
  });

  it('drain delivers what is buffered, acks it (autoAck), then closes', async () => {
    const engine = memory();
    const t = topic();
    await produce(
      engine,
      t,
      Array.from({ length: 20 }, (_, i) => i),
    );
    const consumer = new Consumer<number>(engine, { topic: t, group: 'g', startAt: '0', autoAck: true, prefetch: 8 });
    const got: number[] = [];
    let drained: Promise<void> | undefined;
    for await (const m of consumer) {
      got.push(m.payload);
      if (got.length === 1) drained = consumer.drain();
    }
    await drained;
    assert.ok(got.length >= 1 && got.length <= 8, `drain delivered the buffered messages only (${got.length})`);
    assert.deepEqual(
      got,
      Array.from({ length: got.length }, (_, i) => i),
    );
    const summary = await engine.pendingSummary(t, 'g');
    assert.equal(summary.count, 0, 'every delivered message was acked');
    const info = await engine.info(t);
    assert.equal(info?.groups[0]?.lastDeliveredId !== undefined, true);
    await engine.close();
  });

  it('close interrupts a blocking read and ends iteration; lifecycle verbs are idempotent', async () => {
    const engine = memory();
    const consumer = new Consumer(engine, { topic: topic(), blockMs: 60_000 });
    // Positioned: its read loop is blocked on the engine.
    await consumer.start();
    assert.equal(engine.stats().readers, 1);
    const loop = (async () => {
      let n = 0;
      for await (const _ of consumer) n++;
      return n;
    })();
    const started = Date.now();
    await Promise.all([consumer.close(), consumer.close(), consumer.drain()]);
    consumer.destroy();
    assert.equal(await loop, 0);
    assert.ok(Date.now() - started < 1000, 'the blocking read was interrupted');
    await engine.close();
  });

  it('recreates a deleted group and keeps consuming, reporting a retry', async () => {
    const engine = memory();
    const t = topic();
    const consumer = new Consumer<number>(engine, { topic: t, group: 'g', startAt: '0', autoAck: true, blockMs: 20, retryMinMs: 1 });
    const retries: RetryEvent[] = [];
    consumer.on('retry', (e: RetryEvent) => retries.push(e));
    await consumer.start();
    await produce(engine, t, [1]);
    const it = consumer[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.payload, 1);
    await engine.destroyGroup(t, 'g');
    await produce(engine, t, [2]);
    const next = await it.next();
    assert.ok(next.value?.payload === 1 || next.value?.payload === 2, 'recreated at startAt "0"');
    assert.ok(retries.some((r) => (r.error as { code?: string }).code === 'ERR_STREAMERSON_NO_GROUP'));
    await it.return?.();
    await engine.close();
  });

  it('fails clearly when the engine is closed under it', async () => {
    const engine = memory();
    const consumer = new Consumer(engine, { topic: topic(), from: 'beginning', blockMs: 10 });
    await consumer.start();
    await engine.close();
    await assert.rejects(
      async () => {
        for await (const _ of consumer) assert.fail('no message');
      },
      { code: 'ERR_STREAMERSON_CLOSED' },
    );
  });

  it('validates options once, naming the option', () => {
    const engine = memory();
    assert.throws(() => new Consumer(engine, { topic: 't', mode: 'group' }), { option: 'group' });
    assert.throws(() => new Consumer(engine, { topic: 't', from: 'yesterday' }), { option: 'from' });
    assert.throws(() => new Consumer(engine, { topic: 't', group: 'g', offsetName: 'x' }), { option: 'offsetName' });
    assert.throws(() => new Consumer(engine, { topic: 't', shards: 2, assignedShards: [2] }), { option: 'assignedShards[0]' });
    assert.throws(() => new Consumer(engine, { topic: 't', shards: 4, prefetch: 2 }), { option: 'prefetch' });
    assert.throws(() => new Consumer(engine, { topic: 't', group: 'g', startAt: 'now' }), { option: 'startAt' });
    assert.throws(() => new Consumer(engine, { topic: 't', group: 'g', autoack: true } as never), { option: 'autoack', message: /did you mean "autoAck"/ });
    const c = new Consumer(engine, { topic: 't', group: 'g' });
    assert.ok(Object.isFrozen(c.config));
    assert.match(c.config.consumer, /-\d+$/);
    engine.destroy();
  });
});
