/**
 * The load of the invariant test: random transfers between accounts for a
 * while, each retried with its own command id until it is applied or refused,
 * so that a transfer is never applied twice however often it is sent. After
 * each applied transfer a `minVersion` read checks read-your-writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '@streamerson/core';
import { CommandError, MachineClient, StateReader } from '../../src/index.js';
import type { bankMachine } from '../bank.js';

export interface TransferLoad {
  readonly accounts: number;
  readonly seconds: number;
  /** Transfers in flight at once. */
  readonly concurrency: number;
  /** Prefix of command ids, unique per load. */
  readonly id: string;
  readonly timeoutMs: number;
}

export interface TransferOutcome {
  /** Command ids of the transfers applied. */
  readonly applied: string[];
  readonly rejected: number;
  /** Sends that failed and were sent again (timeouts while a writer was down, no writer for a moment). */
  readonly retries: number;
  /** `minVersion` reads that returned an older version than the transfer made. */
  readonly staleReads: number;
}

export function accountName(i: number): string {
  return `acct-${i}`;
}

export async function runTransfers(engine: Engine, bank: ReturnType<typeof bankMachine>, load: TransferLoad): Promise<TransferOutcome> {
  const client = new MachineClient(engine, bank, { timeout: load.timeoutMs, leaseCheckMs: 200 });
  const reader = new StateReader(engine, bank, { blockMs: 200 });
  await reader.start();
  const outcome = { applied: [] as string[], rejected: 0, retries: 0, staleReads: 0 };
  const until = Date.now() + load.seconds * 1_000;
  let n = 0;
  const one = async (): Promise<void> => {
    const from = Math.floor(Math.random() * load.accounts);
    let to = Math.floor(Math.random() * (load.accounts - 1));
    if (to >= from) to++;
    const commandId = `${load.id}-${n++}`;
    const payload = { to: accountName(to), amount: 1 + Math.floor(Math.random() * 20) };
    for (;;) {
      try {
        const result = await client.send(accountName(from), 'transfer', payload, { commandId });
        outcome.applied.push(commandId);
        const seen = await reader.get(accountName(from), { minVersion: result.version, timeoutMs: 30_000 });
        if ((seen?.version ?? 0) < result.version) outcome.staleReads++;
        return;
      } catch (error) {
        if (error instanceof CommandError && error.code === 'ERR_STREAMERSON_REJECTED') {
          outcome.rejected++;
          return;
        }
        outcome.retries++;
        await sleep(50);
      }
    }
  };
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  await reader.close();
  await client.close();
  return outcome;
}
