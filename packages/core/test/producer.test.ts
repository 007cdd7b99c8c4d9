import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Engine } from '../src/engine/types.js';
import { MemoryEngine } from '../src/memory/memory-engine.js';
import { Producer } from '../src/producer/producer.js';
import { fnv1a32, shardForKey } from '../src/producer/shard-hash.js';
import { decodeEntry } from '../src/protocol/codec.js';
import { compareStreamIds } from '../src/protocol/stream-id.js';
import { streamKey } from '../src/keys.js';
import type { StreamersonError } from '../src/errors.js';

function memory(): MemoryEngine {
  return new MemoryEngine(`p-${randomUUID()}`);
}

function topic(): string {
  return `t-${randomUUID()}`;
}

/** An engine that counts calls per method, to see round trips. */
function counting(engine: Engine): { engine: Engine; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = new Proxy(engine, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { engine: wrapped, calls };
}

async function payloads(engine: Engine, stream: string): Promise<unknown[]> {
  const entries = await engine.range(stream, '-', '+');
  return entries.map((e) => {
    const m = decodeEntry(stream, e);
    assert.ok(!(m instanceof Error), 'entries decode');
    return m.payload;
  });
}

describe('Producer', () => {
  it('sends many messages of one tick in one appendBatch round trip, receipts in order', async () => {
    const base = memory();
    const { engine, calls } = counting(base);
    const t = topic();
    const producer = new Producer<number>(engine, { topic: t });
    const receipts = Array.from({ length: 50 }, (_, i) => producer.send(i));
    assert.equal(producer.stats().pending, 50);
    const done = await Promise.all(receipts);
    assert.equal(calls.get('appendBatch'), 1);
    assert.equal(calls.get('append') ?? 0, 0);
    for (let i = 1; i < done.length; i++) assert.ok(compareStreamIds(done[i]!.id, done[i - 1]!.id) > 0, 'receipts in send order');
    assert.deepEqual(
      await payloads(base, t),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(done[0]!.messageId, done[0]!.id, 'without an id the entry id identifies the message');
    assert.equal(producer.stats().sent, 50);
    assert.equal(producer.stats().pending, 0);
    await producer.close();
    await base.close();
  });

  it('splits a tick into maxBatch-sized batches', async () => {
    const base = memory();
    const { engine, calls } = counting(base);
    const producer = new Producer(engine, { topic: topic(), maxBatch: 10 });
    await Promise.all(Array.from({ length: 35 }, (_, i) => producer.send(i)));
    assert.equal(calls.get('appendBatch'), 4);
    await base.close();
  });

  it('routes by key with FNV-1a 32, stable and spread over shards', async () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    const engine = memory();
    const t = topic();
    const producer = new Producer(engine, { topic: t, shards: 4 });
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const receipts = await Promise.all(keys.map((key) => producer.send({ key }, { key })));
    const used = new Set<string>();
    receipts.forEach((r, i) => {
      assert.equal(r.stream, streamKey(t, shardForKey(keys[i]!, 4), 4));
      used.add(r.stream);
    });
    assert.equal(used.size, 4, 'keys spread over every shard');
    const again = await producer.send({}, { key: 'user-7' });
    assert.equal(again.stream, receipts[7]!.stream, 'the same key goes to the same shard');
    await engine.close();
  });

  it('round-robins messages without a key, and requires a key with routing "hash"', async () => {
    const engine = memory();
    const t = topic();
    const producer = new Producer(engine, { topic: t, shards: 3 });
    const receipts = await Promise.all(Array.from({ length: 6 }, (_, i) => producer.send(i)));
    assert.deepEqual(
      receipts.map((r) => r.stream),
      [0, 1, 2, 0, 1, 2].map((s) => streamKey(t, s, 3)),
    );
    const hashed = new Producer(engine, { topic: t, shards: 3, routing: 'hash' });
    await assert.rejects(hashed.send(1), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'key' });
    const rr = new Producer(engine, { topic: t, shards: 3, routing: 'round-robin' });
    const same = await Promise.all([rr.send(1, { key: 'k' }), rr.send(2, { key: 'k' })]);
    assert.notEqual(same[0].stream, same[1].stream, 'round-robin ignores keys');
    await engine.close();
  });

  it('idempotent: a duplicate message id is not appended twice', async () => {
    const base = memory();
    const { engine, calls } = counting(base);
    const t = topic();
    const producer = new Producer(engine, { topic: t, durability: 'idempotent' });
    const first = await producer.send('a', { id: 'order-1' });
    const second = await producer.send('b', { id: 'order-1' });
    const generated = await producer.send('c');
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.id, first.id);
    assert.equal(generated.duplicate, false);
    assert.ok(generated.messageId.length > 0, 'a message id is generated');
    assert.deepEqual(await payloads(base, t), ['a', 'c']);
    assert.equal(calls.get('appendIdempotent'), 3);
    await base.close();
  });

  it('fire-and-forget: failures go to "error" events and never reject unhandled', async () => {
    const engine = memory();
    const producer = new Producer(engine, { topic: topic(), durability: 'fire-and-forget', maxPending: 1 });
    const errors: unknown[] = [];
    producer.on('error', (e) => errors.push(e));
    const ok = producer.send(1);
    void producer.send(2); // over maxPending: rejected, but already handled
    await ok;
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as StreamersonError).code, 'ERR_STREAMERSON_OVERLOAD');
    assert.equal(producer.stats().failed, 1);
    await engine.close();
  });

  it('rejects with ERR_STREAMERSON_OVERLOAD past maxPending', async () => {
    const engine = memory();
    const producer = new Producer(engine, { topic: topic(), maxPending: 3 });
    const accepted = [producer.send(1), producer.send(2), producer.send(3)];
    await assert.rejects(producer.send(4), { code: 'ERR_STREAMERSON_OVERLOAD' });
    await Promise.all(accepted);
    await producer.send(5);
    await engine.close();
  });

  it('flush waits for queued messages; close flushes then refuses sends; destroy rejects queued ones', async () => {
    const engine = memory();
    const t = topic();
    const producer = new Producer(engine, { topic: t });
    void producer.send(1);
    void producer.send(2);
    await producer.flush();
    assert.equal(await engine.length(t), 2);
    const last = producer.send(3);
    await producer.close();
    await last;
    assert.equal(await engine.length(t), 3);
    await assert.rejects(producer.send(4), { code: 'ERR_STREAMERSON_CLOSED' });
    await producer.close();

    const doomed = new Producer(engine, { topic: t });
    const queued = doomed.send(5);
    doomed.destroy();
    doomed.destroy();
    await assert.rejects(queued, { code: 'ERR_STREAMERSON_CLOSED' });
    assert.equal(await engine.length(t), 3);
    await engine.close();
  });

  it('applies retention on append and writes message fields', async () => {
    const engine = memory();
    const t = topic();
    {
      await using producer = new Producer(engine, { topic: t, retention: { maxLen: 5, approximate: false }, source: 'node-1' });
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(i, { type: 'tick', headers: { a: 'b' } })));
    }
    assert.equal(await engine.length(t), 5);
    const [entry] = await engine.range(t, '-', '+', 1);
    const m = decodeEntry(t, entry!);
    assert.ok(!(m instanceof Error));
    assert.equal(m.type, 'tick');
    assert.equal(m.source, 'node-1');
    assert.deepEqual({ ...m.headers }, { a: 'b' });
    assert.equal(m.payload, 15);
    await engine.close();
  });

  it('reports engine errors on receipts', async () => {
    const engine = memory();
    const producer = new Producer(engine, { topic: topic() });
    const sent = assert.rejects(producer.send(1), { code: 'ERR_STREAMERSON_CLOSED' });
    await engine.close();
    await sent;
  });

  it('validates options once, naming the option', () => {
    const engine = memory();
    assert.throws(() => new Producer(engine, { topic: 'bad topic' }), { option: 'topic' });
    assert.throws(() => new Producer(engine, { topic: 'ok', shards: 0 }), { option: 'shards' });
    assert.throws(() => new Producer(engine, { topic: 'ok', durability: 'maybe' as never }), { option: 'durability' });
    assert.throws(() => new Producer(engine, { topic: 'ok', retention: { maxLen: -1 } }), { option: 'retention.maxLen' });
    assert.throws(() => new Producer(engine, { topic: 'ok', maxPending: 0 }), { option: 'maxPending' });
    assert.throws(() => new Producer(engine, { topic: 'ok', maxPendng: 5 } as never), { option: 'maxPendng', message: /did you mean "maxPending"/ });
    assert.throws(() => new Producer(engine, { topic: 'ok', retention: { maxLen: 5, approx: true } as never }), { option: 'retention.approx' });
    const producer = new Producer(engine, { topic: 'ok' });
    assert.ok(Object.isFrozen(producer.config));
    assert.equal(producer.config.durability, 'acknowledged');
    engine.destroy();
  });

  it('writes through the Writable facade with backpressure from receipts', async () => {
    const engine = memory();
    const t = topic();
    const producer = new Producer(engine, { topic: t });
    const writable = producer.writable({ highWaterMark: 8 });
    for (let i = 0; i < 100; i++) {
      if (!writable.write({ payload: i })) await once(writable, 'drain');
    }
    writable.end();
    await once(writable, 'finish');
    assert.deepEqual(
      await payloads(engine, t),
      Array.from({ length: 100 }, (_, i) => i),
    );
    await producer.send('still open');
    await engine.close();
  });
});
