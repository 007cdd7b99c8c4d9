/**
 * Processors on one engine, one body for every engine: outputs once per input
 * and in key order through a two-stage chain, keyed state, the controller log,
 * takeover and hand-off, bad input to dead letters, replay that reproduces
 * and replay that diverges, the lifecycle.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  connect,
  decodeEntry,
  encodeMessage,
  hasFencing,
  MemoryEngine,
  ProtocolError,
  streamKey,
  topicStreams,
  type Engine,
  type Fencing,
  type Message,
} from '@streamerson/core';
import { DeadLetters } from '@streamerson/service';
import { checkLifecycle, uniqueName, waitFor } from '@streamerson/testkit';
import { allInputKeys, decodeLogEntry, defineProcessor, Processor, replay, type ProcessorOptions, type ProcessorSpec } from '../src/index.js';
import { enrich, names, orderAppends, SHARDS, totals, type Order, type Totals } from './orders.js';

const FAST: ProcessorOptions = { leaseTtlMs: 1_500, blockMs: 50, claimIntervalMs: 100, announce: false };

/** Every message of a topic's streams. */
export async function readTopic(engine: Engine, topic: string, shards: number): Promise<Message[]> {
  const out: Message[] = [];
  for (const stream of topicStreams(topic, shards)) {
    for (const e of await engine.range(stream, '-', '+')) {
      const msg = decodeEntry(stream, e);
      assert.ok(!(msg instanceof ProtocolError), `an output of ${stream} is a message`);
      out.push(msg);
    }
  }
  return out;
}

export function processorSuite(name: string, target: () => Promise<{ url: string; stop(): Promise<void> }>): void {
  describe(name, () => {
    let stop: () => Promise<void>;
    let engine: Engine & Fencing;
    const closing: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(x: T): T => {
      closing.push(x);
      return x;
    };
    const processor = <S>(spec: ProcessorSpec<S>, options: ProcessorOptions = {}) => track(new Processor(engine, spec, { ...FAST, ...options }));

    before(async () => {
      const t = await target();
      stop = () => t.stop();
      const e = await connect(t.url);
      assert.ok(hasFencing(e));
      engine = e;
    });
    after(async () => {
      for (const x of closing.reverse()) await x.close();
      await engine.close();
      await stop();
    });

    it('a two-stage chain: every input yields its outputs once, in key order, with keyed totals; the log records every batch', async () => {
      const prefix = uniqueName('chain');
      const n = names(prefix);
      const a = processor(enrich(prefix));
      const b = processor(totals(prefix));
      await Promise.all([a.start(), b.start()]);
      const appends = orderAppends(prefix, 20, 1_000);
      for (let i = 0; i < appends.length; i += 100) await engine.appendBatch(appends.slice(i, i + 100));
      await waitFor(() => b.stats().processed === 1_000, { timeoutMs: 30_000, what: 'the second stage to process every order' });
      const enriched = await readTopic(engine, n.enriched, SHARDS);
      assert.equal(enriched.length, 1_000);
      assert.equal(new Set(enriched.map((m) => m.id)).size, 1_000, 'output message ids are unique');
      const out = await readTopic(engine, n.totals, 1);
      assert.equal(out.length, 1_000);
      const byCustomer = new Map<string, number[]>();
      for (const m of out) {
        const p = m.payload as { customer: string; seq: number };
        byCustomer.set(p.customer, [...(byCustomer.get(p.customer) ?? []), p.seq]);
      }
      for (const [customer, seqs] of byCustomer)
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
          `${customer}'s totals in order`,
        );
      const sumSpec = totals(prefix);
      for (const keys of allInputKeys(sumSpec)) {
        for (const [, value] of (await engine.hashScan(keys.state, '0', 1_000)).entries) assert.equal((JSON.parse(value.toString()) as Totals).outOfOrder, 0);
      }
      let logged = 0;
      for (const keys of allInputKeys(enrich(prefix))) {
        for (const raw of await engine.range(keys.log, '-', '+')) {
          const entry = decodeLogEntry(n.enrich, raw);
          assert.ok(entry !== undefined);
          assert.equal(entry.stream, keys.stream);
          assert.equal(entry.outputs.length, entry.count, 'one output per input');
          logged += entry.count;
        }
      }
      assert.equal(logged, 1_000, 'every input is in one log entry');
      assert.equal((await engine.pendingSummary(streamKey(n.orders, 0, SHARDS), n.enrich)).count, 0, 'every input acknowledged');
    });

    it('replay reproduces the record; a changed handler diverges at the first input it treats differently; Math.random in a handler diverges', async () => {
      const prefix = uniqueName('replay');
      const n = names(prefix);
      const a = processor(enrich(prefix));
      await a.start();
      await engine.appendBatch(orderAppends(prefix, 10, 300));
      await waitFor(() => a.stats().processed === 300, { timeoutMs: 30_000, what: 'every order processed' });
      const into = new MemoryEngine();
      const same = await replay(engine, enrich(prefix), { into });
      assert.equal(same.divergence, undefined, JSON.stringify(same.divergence));
      assert.equal(same.inputs, 300);
      assert.equal(same.outputs, 300);
      assert.deepEqual(
        (await readTopic(into, n.enriched, SHARDS)).map((m) => m.id).sort(),
        (await readTopic(engine, n.enriched, SHARDS)).map((m) => m.id).sort(),
        'the replay made the same outputs, into memory://',
      );
      await into.close();

      const changed = await replay(engine, enrich(prefix, 'v2'));
      assert.ok(changed.divergence !== undefined);
      assert.equal(changed.divergence.reason, 'output differs');
      const first = await firstOrderAbove(engine, n.orders, changed.divergence.stream, 50);
      assert.equal(changed.divergence.inputId, first, 'the first order of that shard with an amount above 50');
      assert.ok(changed.divergence.expected?.message !== undefined, 'the recorded output is shown');
      assert.notEqual(changed.divergence.expected?.digest, changed.divergence.actual?.digest);

      const impure = defineProcessor({
        name: n.enrich,
        inputs: [{ topic: n.orders, shards: SHARDS }],
        outputs: [{ topic: n.enriched, shards: SHARDS }],
        handlers: {
          placed: (msg, ctx) => {
            const order = msg.payload as Order;
            // What enrich does, but with a UUID of its own instead of ctx.uuid().
            ctx.emit(
              n.enriched,
              'enriched',
              { ...order, tax: Math.round(order.amount * 0.2 * 100) / 100, ref: randomUUID(), at: ctx.now(), lucky: ctx.random() < 0.5 },
              { key: order.customer },
            );
          },
        },
      });
      const random = await replay(engine, impure);
      assert.equal(random.divergence?.reason, 'output differs');
    });

    it('bad input goes to dead letters and the processor keeps going; the log records them and replay agrees', async () => {
      const prefix = uniqueName('bad');
      const n = names(prefix);
      const a = processor(enrich(prefix), { maxAttempts: 2 });
      const letters: string[] = [];
      a.on('deadLetter', (_stream, _id, error) => letters.push((error as { code?: string }).code ?? error.message));
      await a.start();
      const stream = streamKey(n.orders, 0, SHARDS);
      await engine.appendBatch([
        { stream, fields: ['not', 'a message'] },
        { stream, fields: encodeMessage({ type: 'unknown', payload: {} }) },
        { stream, fields: encodeMessage({ type: 'placed', payload: { customer: 'x' } }) },
        { stream, fields: encodeMessage({ type: 'placed', headers: { key: 'x' }, payload: { customer: 'x', seq: 1, amount: -5 } }) },
        { stream, fields: encodeMessage({ type: 'placed', headers: { key: 'x' }, payload: { customer: 'x', seq: 2, amount: 5 } }) },
      ]);
      await waitFor(() => a.stats().processed === 5, { timeoutMs: 30_000, what: 'every entry processed' });
      assert.equal(a.stats().deadLettered, 4);
      assert.equal(a.stats().outputs, 1);
      assert.deepEqual(
        letters.sort(),
        ['ERR_STREAMERSON_BAD_ENTRY', 'ERR_STREAMERSON_INVALID_PAYLOAD', 'ERR_STREAMERSON_UNKNOWN_TYPE', 'negative amount -5'].sort(),
      );
      const dlq = await new DeadLetters(engine, n.orders).list();
      assert.deepEqual(dlq.map((l) => l.meta.errorCode).sort(), [
        'ERR_STREAMERSON_BAD_ENTRY',
        'ERR_STREAMERSON_INVALID_PAYLOAD',
        'ERR_STREAMERSON_SERVICE',
        'ERR_STREAMERSON_UNKNOWN_TYPE',
      ]);
      assert.equal(dlq.find((l) => l.meta.errorCode === 'ERR_STREAMERSON_SERVICE')?.meta.deliveries, 2, 'the throwing handler was tried twice');
      const log = (await engine.range(allInputKeys(enrich(prefix))[0]!.log, '-', '+')).map((e) => decodeLogEntry(n.enrich, e)!);
      assert.equal(log.flatMap((e) => e.deadLettered).length, 4);
      assert.equal((await replay(engine, enrich(prefix), { maxAttempts: 2 })).divergence, undefined);
    });

    it('a standby takes the shards of a crashed instance and nothing is output twice; a drained instance hands off at once', async () => {
      const prefix = uniqueName('takeover');
      const n = names(prefix);
      const a = processor(enrich(prefix), { id: 'a' });
      await a.start();
      const b = processor(enrich(prefix), { id: 'b' });
      await b.start();
      assert.deepEqual([a.shards, b.shards], [[0, 1, 2, 3], []]);
      await engine.appendBatch(orderAppends(prefix, 8, 200));
      await waitFor(() => a.stats().processed === 200, { timeoutMs: 30_000, what: 'a to process the first orders' });
      a.destroy();
      await waitFor(() => b.shards.length === 4, { timeoutMs: 10_000, what: 'b to take every shard' });
      const seq = new Map<string, number>();
      for (let i = 0; i < 8; i++) seq.set(`c${i}`, 25);
      await engine.appendBatch(orderAppends(prefix, 8, 200, seq));
      await waitFor(() => b.stats().processed === 200, { timeoutMs: 30_000, what: 'b to process the next orders' });
      const c = processor(enrich(prefix), { id: 'c', leaseTtlMs: 60_000, renewIntervalMs: 20_000 });
      await c.start();
      const drained = Date.now();
      await b.drain();
      await waitFor(() => c.shards.length === 4, { timeoutMs: 10_000, what: 'c to take the handed-off shards' });
      assert.ok(Date.now() - drained < 5_000, 'at once, not after the lease time');
      const out = await readTopic(engine, n.enriched, SHARDS);
      assert.equal(out.length, 400);
      assert.equal(new Set(out.map((m) => m.id)).size, 400);
    });

    it('keyed state: deleteState removes a key from the engine with its batch, and the key starts again from its initial state', async () => {
      const topic = uniqueName('tally');
      const spec = defineProcessor<{ n: number }>({
        name: `${topic}-p`,
        inputs: [topic],
        outputs: [`${topic}-out`],
        state: { initial: () => ({ n: 0 }) },
        handlers: {
          add: (_msg, ctx) => {
            ctx.setState({ n: ctx.state.n + 1 });
            ctx.emit(`${topic}-out`, 'n', ctx.state.n);
          },
          reset: (_msg, ctx) => ctx.deleteState(),
        },
      });
      const p = processor(spec);
      await p.start();
      const send = (type: string, key: string) => engine.append(topic, encodeMessage({ type, headers: { key }, payload: null }));
      for (const [type, key] of [
        ['add', 'a'],
        ['add', 'b'],
        ['add', 'a'],
        ['reset', 'a'],
      ] as const)
        await send(type, key);
      await waitFor(() => p.stats().processed === 4, { what: 'the first four' });
      const state = allInputKeys(spec)[0]!.state;
      assert.deepEqual(
        (await engine.hashGet(state, ['a', 'b'])).map((v) => v?.toString() ?? null),
        [null, '{"n":1}'],
      );
      await send('add', 'a');
      await waitFor(() => p.stats().processed === 5, { what: 'the fifth' });
      assert.deepEqual(
        (await readTopic(engine, `${topic}-out`, 1)).map((m) => m.payload),
        [1, 1, 2, 1],
      );
      assert.equal((await replay(engine, spec, { stateOf: ['a', 'b'] })).divergence, undefined);
    });

    it('a store that fails is not lost or doubled: its inputs are run again from the stored states, each counted once per key, in order', async () => {
      const topic = uniqueName('overlap');
      const spec = defineProcessor<{ n: number }>({
        name: `${topic}-p`,
        inputs: [topic],
        outputs: [`${topic}-out`],
        state: { initial: () => ({ n: 0 }) },
        handlers: {
          add: (msg, ctx) => {
            ctx.setState({ n: ctx.state.n + 1 });
            ctx.emit(`${topic}-out`, 'n', { key: ctx.key, n: ctx.state.n, seq: msg.payload });
          },
        },
      });
      const keys = ['a', 'b', 'c'];
      await engine.appendBatch(
        Array.from({ length: 300 }, (_, i) => ({ stream: topic, fields: encodeMessage({ type: 'add', headers: { key: keys[i % 3]! }, payload: i }) })),
      );
      // The second batch's store fails before it is sent; its outcome counts as unknown, the batch read ahead is dropped.
      let writes = 0;
      const failing = new Proxy(engine, {
        get(target, property) {
          if (property === 'fencedWrite') {
            return (write: Parameters<Fencing['fencedWrite']>[0]) =>
              ++writes === 2 ? Promise.reject(new Error('injected failure')) : target.fencedWrite(write);
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const p = track(new Processor(failing, spec, { ...FAST, batchSize: 40 }));
      const errors: Error[] = [];
      p.on('error', (e) => errors.push(e));
      await p.start();
      await waitFor(() => p.stats().processed >= 300, { what: 'every input' });
      assert.ok(
        errors.some((e) => e.message === 'injected failure'),
        'the failure was reported',
      );
      const out = (await readTopic(engine, `${topic}-out`, 1)).map((m) => m.payload as { key: string; n: number; seq: number });
      assert.equal(out.length, 300);
      for (const key of keys) {
        const mine = out.filter((o) => o.key === key);
        assert.deepEqual(
          mine.map((o) => o.n),
          Array.from({ length: 100 }, (_, i) => i + 1),
          `key ${key} counts each input once`,
        );
        assert.deepEqual(
          mine.map((o) => o.seq),
          [...mine.map((o) => o.seq)].sort((x, y) => x - y),
          `key ${key} in input order`,
        );
      }
      assert.equal((await replay(engine, spec)).divergence, undefined);
    });

    it('follows the lifecycle; bad definitions and options are refused with a typed error', async () => {
      const prefix = uniqueName('life');
      // Inputs arriving while it drains: whatever it read is stored before it is down, the rest stays for the next instance.
      await checkLifecycle(() => new Processor(engine, enrich(prefix), FAST), { work: () => engine.appendBatch(orderAppends(prefix, 2, 4)) });
      const next = processor(enrich(prefix));
      await next.start();
      await waitFor(async () => (await readTopic(engine, names(prefix).enriched, SHARDS)).length === 8, {
        timeoutMs: 10_000,
        what: 'every input of the check to be processed once',
      });
      const invalid = (f: () => unknown, option: RegExp) =>
        assert.throws(f, (e: { code?: string; message: string }) => e.code === 'ERR_STREAMERSON_INVALID_OPTION' && option.test(e.message));
      invalid(() => defineProcessor({ name: 'x y', inputs: ['a'], handlers: { t: () => undefined } }), /"name"/);
      invalid(() => defineProcessor({ name: 'x', inputs: [], handlers: { t: () => undefined } }), /"inputs"/);
      invalid(() => defineProcessor({ name: 'x', inputs: ['a', 'b'], handlers: { t: () => undefined }, state: { initial: () => 0 } }), /"inputs"/);
      invalid(
        () => defineProcessor({ name: 'x', inputs: ['a'], handlers: { t: { schema: 5 as unknown as object, handle: () => undefined } } }),
        /"handlers.t.schema"/,
      );
      invalid(
        () => defineProcessor({ name: 'x', inputs: ['a'], handlers: { t: () => undefined }, outptus: ['b'] } as never),
        /"outptus": unknown key \(did you mean "outputs"\?\)/,
      );
      invalid(() => defineProcessor({ name: 'x', inputs: [{ topic: 'a', shard: 2 } as never], handlers: { t: () => undefined } }), /"inputs\[0\]\.shard"/);
      invalid(() => defineProcessor({ name: 'x', inputs: ['a'], handlers: { t: { handle: () => undefined, shema: {} } as never } }), /"handlers\.t\.shema"/);
      invalid(() => new Processor(engine, enrich(prefix), { batchSize: 0 }), /"batchSize"/);
      invalid(() => new Processor(engine, enrich(prefix), { nope: 1 } as ProcessorOptions), /"nope"/);
    });
  });
}

/** The id of the first order with an amount above `amount` in one stream of the topic. */
async function firstOrderAbove(engine: Engine, _topic: string, stream: string, amount: number): Promise<string | undefined> {
  for (const e of await engine.range(stream, '-', '+')) {
    const msg = decodeEntry(stream, e);
    if (!(msg instanceof ProtocolError) && (msg.payload as { amount: number }).amount > amount) return e.id;
  }
  return undefined;
}
