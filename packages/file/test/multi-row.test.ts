import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROWS_PER_STATEMENT } from '../src/engine/multi-row.js';
import { withEngine } from './fixtures/with-engine.js';

// Every statement size used, and some twice: 2 × 64 + 16 + 2 × 4 + 3 × 1.
const N = 2 * ROWS_PER_STATEMENT[0]! + ROWS_PER_STATEMENT[1]! + 2 * ROWS_PER_STATEMENT[2]! + 3;

describe('file:// statements of many rows', () => {
  it('a batch of appends in statements of many rows, its group delivery and its acks keep every entry in order', async () => {
    await withEngine(async (engine) => {
      const ids = await engine.appendBatch(Array.from({ length: N }, (_, i) => ({ stream: 's', fields: ['i', String(i)] })));
      assert.equal(new Set(ids).size, N);
      const range = await engine.range('s', '-', '+');
      assert.deepEqual(
        range.map((e) => e.fields[1]!.toString()),
        Array.from({ length: N }, (_, i) => String(i)),
      );
      assert.deepEqual(
        range.map((e) => e.id),
        ids,
      );
      await engine.createGroup('s', 'g', '0');
      const [got] = await engine.readGroup('g', 'c', [{ stream: 's', after: '>' }], { count: N });
      assert.deepEqual(
        got!.entries.map((e) => e.id),
        ids,
      );
      const pending = await engine.pendingSummary('s', 'g');
      assert.deepEqual([pending.count, pending.lowestId, pending.highestId], [N, ids[0], ids[N - 1]]);
      // All but the last two, one of them twice, and an id never delivered: each pending one counts once.
      const acked = [...ids.slice(0, N - 2), ids[0]!, '99999999999999-0'];
      assert.equal(await engine.ack('s', 'g', acked as string[]), N - 2);
      const left = await engine.pendingRange('s', 'g', { count: 10 });
      assert.deepEqual(
        left.map((p) => p.id),
        ids.slice(N - 2),
      );
    });
  });
});
