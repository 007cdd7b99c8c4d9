import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WritesBeforeRead } from '@streamerson/core';
import { type FileBlockingReader, FileEngine } from '../src/index.js';

function writes(appends: WritesBeforeRead['appends'], acks: WritesBeforeRead['acks'], outcomes: unknown[]): WritesBeforeRead {
  return { appends, acks, settled: (error) => outcomes.push(error ?? 'ok') };
}

const text = (entries: readonly { fields: readonly (string | Buffer)[] }[]): string[] => entries.map((e) => e.fields[1]!.toString());

describe('file:// readGroupAfter', () => {
  it('commits replies and acks with the group read; a refused append acks nothing; a refused read keeps the writes; a closed reader refuses both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamerson-after-'));
    const engine = new FileEngine(dir);
    const reader = engine.openReader() as FileBlockingReader;
    try {
      await engine.createGroup('req', 'g', '0');
      for (let i = 0; i < 2; i++) await engine.append('req', ['i', String(i)]);
      const [first] = await reader.readGroup('g', 'c', [{ stream: 'req', after: '>' }], { count: 1 });
      const firstId = first!.entries[0]!.id;

      const outcomes: unknown[] = [];
      const next = await reader.readGroupAfter(writes([{ stream: 'rep', fields: ['re', firstId] }], [{ stream: 'req', ids: [firstId] }], outcomes), 'g', 'c', [
        { stream: 'req', after: '>' },
      ]);
      assert.deepEqual(outcomes, ['ok'], 'settled before the read resolved');
      assert.deepEqual(text(next[0]!.entries), ['1']);
      assert.deepEqual(text(await engine.range('rep', '-', '+')), [firstId]);
      const pending = await engine.pendingSummary('req', 'g');
      assert.equal(pending.count, 1, 'the first is acked, the second is pending');
      assert.equal(pending.lowestId, next[0]!.entries[0]!.id);

      // An append refused (an id below the stream's last): nothing is acked, the read still runs, here blocking until an append.
      const refused: unknown[] = [];
      const blocked = reader.readGroupAfter(
        writes([{ stream: 'rep', fields: ['re', 'x'], id: '0-1' }], [{ stream: 'req', ids: [next[0]!.entries[0]!.id] }], refused),
        'g',
        'c',
        [{ stream: 'req', after: '>' }],
        { blockMs: 5_000 },
      );
      assert.equal((refused[0] as { code?: string }).code, 'ERR_STREAMERSON_ID_TOO_SMALL');
      await engine.append('req', ['i', '2']);
      assert.deepEqual(text((await blocked)[0]!.entries), ['2']);
      assert.equal((await engine.pendingSummary('req', 'g')).count, 2, 'nothing acked by the refused writes');

      // A read refused (no such group): the writes commit all the same.
      const kept: unknown[] = [];
      await assert.rejects(
        reader.readGroupAfter(writes([{ stream: 'rep', fields: ['re', 'kept'] }], [{ stream: 'req', ids: [next[0]!.entries[0]!.id] }], kept), 'nope', 'c', [
          { stream: 'req', after: '>' },
        ]),
        { code: 'ERR_STREAMERSON_NO_GROUP' },
      );
      assert.deepEqual(kept, ['ok']);
      assert.deepEqual(text(await engine.range('rep', '-', '+')), [firstId, 'kept']);
      assert.equal((await engine.pendingSummary('req', 'g')).count, 2, "the acks are the read's group's, which does not exist");
    } finally {
      await reader.close();
    }
    const closed: unknown[] = [];
    await assert.rejects(reader.readGroupAfter(writes([], [], closed), 'g', 'c', [{ stream: 'req', after: '>' }]), { code: 'ERR_STREAMERSON_CLOSED' });
    assert.equal((closed[0] as { code?: string }).code, 'ERR_STREAMERSON_CLOSED');
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
