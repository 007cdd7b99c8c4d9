import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withEngine } from './fixtures/with-engine.js';

describe('file:// delivery into the PEL (one statement per read, from the entries table)', () => {
  it('makes pending exactly the entries delivered: not the next ones, not those of a stream whose name sorts next', async () => {
    await withEngine(async (engine) => {
      // Streams "a" and "a2" are neighbours in the entries table's key order.
      const ids = await engine.appendBatch(Array.from({ length: 10 }, (_, i) => ({ stream: i % 2 === 0 ? 'a' : 'a2', fields: ['i', String(i)] })));
      await engine.createGroup('a', 'g', '0');
      await engine.createGroup('a2', 'g', '0');
      const [got] = await engine.readGroup('g', 'c', [{ stream: 'a', after: '>' }], { count: 3 });
      const delivered = ids.filter((_, i) => i % 2 === 0).slice(0, 3);
      assert.deepEqual(
        got!.entries.map((e) => e.id),
        delivered,
      );
      const pending = await engine.pendingRange('a', 'g', { count: 100 });
      assert.deepEqual(
        pending.map((p) => [p.id, p.consumer, p.deliveries]),
        delivered.map((id) => [id, 'c', 1]),
      );
      assert.equal((await engine.pendingSummary('a2', 'g')).count, 0);
    });
  });

  it('an entry still pending from before a setGroupId goes to its new consumer with one delivery, the others stay', async () => {
    await withEngine(async (engine) => {
      const ids = await engine.appendBatch(Array.from({ length: 4 }, (_, i) => ({ stream: 's', fields: ['i', String(i)] })));
      await engine.createGroup('s', 'g', '0');
      await engine.readGroup('g', 'c1', [{ stream: 's', after: '>' }], { count: 2 });
      // Delivered twice to c1: the second delivery counts.
      await engine.readGroup('g', 'c1', [{ stream: 's', after: '0' }]);
      await engine.setGroupId('s', 'g', ids[0]!);
      const [got] = await engine.readGroup('g', 'c2', [{ stream: 's', after: '>' }], { count: 2 });
      assert.deepEqual(
        got!.entries.map((e) => e.id),
        ids.slice(1, 3),
      );
      const pending = await engine.pendingRange('s', 'g', { count: 100 });
      assert.deepEqual(
        pending.map((p) => [p.id, p.consumer, p.deliveries]),
        [
          [ids[0], 'c1', 2],
          [ids[1], 'c2', 1],
          [ids[2], 'c2', 1],
        ],
      );
    });
  });
});
