/**
 * Checks shared by the standalone and cluster tests: that a reader keeps
 * nothing of its past reads (results held only by weak references, then
 * collected), and how a reader's close ended a blocked read.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Engine } from '@streamerson/core';

/** A full garbage collection, available without starting Node with --expose-gc. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Reads `reads` times from `stream` (which holds an entry) on one reader and asserts that the results are collectable. */
export async function assertReaderRetainsNoResults(engine: Engine, stream: string, reads: number): Promise<void> {
  const gc = collectGarbage();
  const reader = engine.openReader();
  const refs: WeakRef<object>[] = [];
  try {
    for (let i = 0; i < reads; i++) {
      const result = await reader.read([{ stream, after: '0-0' }], { count: 1 });
      assert.equal(result[0]?.entries.length, 1);
      refs.push(new WeakRef(result));
    }
    // Let pending reactions run before collecting.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const alive = refs.filter((ref) => ref.deref() !== undefined).length;
    assert.ok(alive <= 1, `${alive} of ${reads} read results are still reachable while the reader is open`);
  } finally {
    await reader.close();
  }
}

/** Calls of `CLIENT UNBLOCK` a server has run, from its `INFO commandstats`. */
export function unblockCalls(info: unknown): number {
  const m = /cmdstat_client\|unblock:calls=(\d+)/.exec(String(info));
  return m === null ? 0 : Number(m[1]);
}

/**
 * Blocks a group read on `stream` (group `g`, which must exist) after `warmReads`
 * short reads, closes the reader, and asserts that the read resolved `[]` at
 * once through one more `CLIENT UNBLOCK` on the server (`unblocks` counts them).
 */
export async function assertCloseUnblocks(engine: Engine, stream: string, warmReads: number, unblocks: () => Promise<number>): Promise<void> {
  const reader = engine.openReader();
  for (let i = 0; i < warmReads; i++) assert.deepEqual(await reader.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 1 }), []);
  const before = await unblocks();
  const read = reader.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await reader.close();
  assert.deepEqual(await read, []);
  assert.ok(Date.now() - started < 500, `close took ${Date.now() - started} ms`);
  assert.equal(await unblocks(), before + 1);
}
