/**
 * What the invariant test checks once the load is over: money is conserved,
 * every applied transfer was debited once and credited once and no other was,
 * every key's changelog has consecutive versions and states that are the fold
 * of its events, and every reader holds the writers' state and version.
 */
import assert from 'node:assert/strict';
import type { Engine } from '@streamerson/core';
import { waitFor } from '@streamerson/testkit';
import { allShardKeys, type Change, type KeyState, type StateReader, WRITER_GROUP } from '../../src/index.js';
import { decodeChange } from '../../src/codec.js';
import type { Account, BankEvent, bankMachine } from '../bank.js';

type Bank = ReturnType<typeof bankMachine>;

/** Every change of every shard, per key in changelog order. */
export async function changesByKey(engine: Engine, bank: Bank): Promise<Map<string, Change<Account, BankEvent>[]>> {
  const byKey = new Map<string, Change<Account, BankEvent>[]>();
  for (const keys of allShardKeys(bank)) {
    let start = '-';
    for (;;) {
      const page = await engine.range(keys.changelog, start, '+', 5_000);
      for (const entry of page) {
        const change = decodeChange(entry);
        assert.ok(change !== undefined, `changelog entry ${entry.id} of ${keys.changelog} decodes`);
        const list = byKey.get(change.key) ?? [];
        list.push(change as Change<Account, BankEvent>);
        byKey.set(change.key, list);
      }
      if (page.length < 5_000) break;
      start = `(${page[page.length - 1]!.id}`;
    }
  }
  return byKey;
}

/** Resolves once, twice in a row, every shard has a writer, no command waits and no emitted command waits to be forwarded. */
export async function waitQuiet(engine: Engine, bank: Bank, timeoutMs: number): Promise<void> {
  const quiet = async (): Promise<boolean> => {
    for (const keys of allShardKeys(bank)) {
      const lease = await (engine as Engine & { leaseState(l: string): Promise<{ owner: string | null }> }).leaseState(keys.lease);
      if (lease.owner === null) return false;
      if ((await engine.length(keys.outbox)) > 0) return false;
      const group = (await engine.info(keys.commands))?.groups.find((g) => g.name === WRITER_GROUP);
      if (group === undefined || group.pending > 0 || group.lag !== 0) return false;
    }
    return true;
  };
  await waitFor(async () => (await quiet()) && (await quiet()), { timeoutMs, intervalMs: 200, what: 'every command and emitted command to be applied' });
}

export interface InvariantFacts {
  readonly accounts: number;
  readonly opening: number;
  /** Command ids of the transfers the clients saw applied. */
  readonly applied: ReadonlySet<string>;
}

/** Checks the changelogs; returns the final state of every key. */
export function checkChangelogs(bank: Bank, byKey: Map<string, Change<Account, BankEvent>[]>, facts: InvariantFacts): Map<string, KeyState<Account>> {
  const finals = new Map<string, KeyState<Account>>();
  const debits = new Map<string, number>();
  const credits = new Map<string, number>();
  let total = 0;
  for (const [key, changes] of byKey) {
    let state = bank.initial(key);
    changes.forEach((change, i) => {
      assert.equal(change.version, i + 1, `${key}: version ${i + 1} follows ${i}`);
      state = bank.fold(state, change.events);
      assert.deepEqual(change.state, state, `${key} v${change.version}: the stored state is the fold of the events`);
      for (const e of change.events) {
        if (e.type === 'debited') debits.set(e.transfer, (debits.get(e.transfer) ?? 0) + 1);
        if (e.type === 'credited') credits.set(e.transfer, (credits.get(e.transfer) ?? 0) + 1);
      }
    });
    finals.set(key, { key, version: changes.length, state });
    total += state.balance;
  }
  assert.equal(finals.size, facts.accounts, 'every account has a changelog');
  assert.equal(total, facts.accounts * facts.opening, 'no money was created or lost');
  for (const [id, n] of debits) assert.equal(n, 1, `transfer ${id} debited once`);
  for (const [id, n] of credits) assert.equal(n, 1, `transfer ${id} credited once`);
  assert.deepEqual([...debits.keys()].sort(), [...credits.keys()].sort(), 'every debit has its credit');
  assert.deepEqual([...debits.keys()].sort(), [...facts.applied].sort(), 'the transfers applied are exactly those the clients saw applied');
  return finals;
}

/** Every reader returns the writers' version and state for every key. */
export async function checkReaders(readers: readonly StateReader<Account>[], finals: Map<string, KeyState<Account>>): Promise<void> {
  for (const [i, reader] of readers.entries()) {
    for (const [key, expected] of finals) {
      assert.deepEqual(await reader.get(key, { minVersion: expected.version, timeoutMs: 10_000 }), expected, `reader ${i}, key ${key}`);
    }
  }
}
