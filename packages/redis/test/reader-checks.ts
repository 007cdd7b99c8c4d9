/**
 * Checks shared by the standalone and cluster tests: that a reader keeps
 * nothing of its past reads (results held only by weak references, then
 * collected), and how a reader's close ended a blocked read.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Engine } from '@streamerson/core';
import { waitFor } from '@streamerson/testkit';

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
function unblockCalls(info: unknown): number {
  const m = /cmdstat_client\|unblock:calls=(\d+)/.exec(String(info));
  return m === null ? 0 : Number(m[1]);
}

/** A section of `INFO` of the server, or of every node of a cluster. */
export type ServerInfo = (section: string) => Promise<readonly unknown[]>;

/** The sum over the nodes of a number `INFO <section>` reports. */
async function infoSum(info: ServerInfo, section: string, parse: (info: unknown) => number): Promise<number> {
  return (await info(section)).reduce<number>((sum, i) => sum + parse(i), 0);
}

/** Clients blocked in a command now, from `INFO clients`. */
export function blockedClients(info: unknown): number {
  const m = /blocked_clients:(\d+)/.exec(String(info));
  return m === null ? 0 : Number(m[1]);
}

/** Clients blocked on the server(s) now. */
export function blockedNow(info: ServerInfo): Promise<number> {
  return infoSum(info, 'clients', blockedClients);
}

/** Resolves once more than `before` clients are blocked on the server(s): a blocking read just sent has reached them. */
export async function waitForBlocked(info: ServerInfo, before: number): Promise<void> {
  await waitFor(async () => (await blockedNow(info)) > before, { intervalMs: 5, what: 'the read blocked on the server' });
}

/**
 * Blocks a group read on `stream` (group `g`, which must exist) after `warmReads`
 * short reads, closes the reader once the read is blocked on the server, and
 * asserts that the read resolved `[]` at once through one more `CLIENT UNBLOCK`.
 */
export async function assertCloseUnblocks(engine: Engine, stream: string, warmReads: number, info: ServerInfo): Promise<void> {
  const reader = engine.openReader();
  for (let i = 0; i < warmReads; i++) assert.deepEqual(await reader.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 1 }), []);
  const before = await infoSum(info, 'commandstats', unblockCalls);
  const blockedBefore = await blockedNow(info);
  const read = reader.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 0 });
  await waitForBlocked(info, blockedBefore);
  const started = Date.now();
  await reader.close();
  assert.deepEqual(await read, []);
  assert.ok(Date.now() - started < 500, `close took ${Date.now() - started} ms`);
  assert.equal(await infoSum(info, 'commandstats', unblockCalls), before + 1);
}
