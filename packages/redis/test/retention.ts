/**
 * Checks that a reader keeps nothing of its past reads: results are held only
 * by weak references, then collected. Shared by the standalone and cluster tests.
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
