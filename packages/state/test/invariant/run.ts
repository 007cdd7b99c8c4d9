/**
 * The invariant test's run: writers that crash and come back while clients
 * send transfers, then the checks of `checks.ts`. Across processes (Redis,
 * Cluster: writers and clients are processes, crashes are SIGKILLs) or in one
 * process (memory://: crashes are `destroy()`).
 *
 * Size and length: `STATE_INVARIANT_ACCOUNTS` (1,000), `STATE_INVARIANT_SECONDS`
 * (8), `STATE_INVARIANT_KILL_MS` (between crashes, 2,000).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, StreamersonError, type Engine } from '@streamerson/core';
import { killNodeProcesses, startNodeProcess, uniqueName, type NodeProcess } from '@streamerson/testkit';
import { MachineClient, StateReader, StateWriter, type StateWriterOptions } from '../../src/index.js';
import { bankMachine, type Account, type BankEvent } from '../bank.js';
import { changesByKey, checkChangelogs, checkReaders, waitQuiet } from './checks.js';
import { accountName, runTransfers, type TransferLoad, type TransferOutcome } from './transfers.js';

export const ACCOUNTS = Number(process.env['STATE_INVARIANT_ACCOUNTS'] ?? 1_000);
export const SECONDS = Number(process.env['STATE_INVARIANT_SECONDS'] ?? 8);
export const KILL_EVERY_MS = Number(process.env['STATE_INVARIANT_KILL_MS'] ?? 2_000);
export const SHARDS = 8;
export const WRITERS = 3;
export const CLIENTS = 3;
const OPENING = 1_000;

/** Writers that take over fast: the test kills one every couple of seconds. */
export const WRITER_OPTIONS: StateWriterOptions = {
  leaseTtlMs: 1_000,
  renewIntervalMs: 250,
  blockMs: 100,
  claimIntervalMs: 200,
  maxShards: 4,
  snapshotEvery: 300,
  snapshotIntervalMs: 1_000,
  // The checks read every change: nothing is trimmed during the test.
  changelogRetentionMs: 3_600_000,
  dedupeWindowMs: 600_000,
};

const WRITER_SCRIPT = fileURLToPath(new URL('./writer-process.js', import.meta.url));
const CLIENT_SCRIPT = fileURLToPath(new URL('./client-process.js', import.meta.url));

/** What a run did, for the test's diagnostics. */
export interface RunReport {
  readonly crashes: number;
  readonly applied: number;
  readonly rejected: number;
  readonly retries: number;
  /** Shards writers lost to another (fenced) other than by the crashes: why. */
  readonly lost?: readonly string[];
}

/** Opens every account, each command retried with its id until it is applied. */
async function openAccounts(engine: Engine, bank: ReturnType<typeof bankMachine>): Promise<void> {
  const client = new MachineClient(engine, bank, { timeout: 5_000, leaseCheckMs: 200 });
  const pending = Array.from({ length: ACCOUNTS }, (_, i) => i);
  await Promise.all(Array.from({ length: 50 }, async () => {
    for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
      for (;;) {
        try {
          await client.send(accountName(i), 'open', { balance: OPENING }, { commandId: `open-${i}` });
          break;
        } catch (error) {
          if (!(error instanceof StreamersonError) || !RETRIED.includes(error.code)) throw error;
          await sleep(50);
        }
      }
    }
  }));
  await client.close();
}

/** Failures of a command that a writer crash explains: it is sent again. */
const RETRIED: readonly string[] = ['ERR_STREAMERSON_TIMEOUT', 'ERR_STREAMERSON_NO_WRITER'];

async function check(engine: Engine, bank: ReturnType<typeof bankMachine>, outcomes: TransferOutcome[], readers: StateReader<Account>[]): Promise<void> {
  await waitQuiet(engine, bank, 60_000);
  const applied = new Set(outcomes.flatMap((o) => o.applied));
  assert.ok(applied.size > 0, 'transfers were applied');
  for (const o of outcomes) assert.equal(o.staleReads, 0, 'no minVersion read returned an older version');
  const finals = checkChangelogs(bank, await changesByKey(engine, bank), { accounts: ACCOUNTS, opening: OPENING, applied });
  const fresh = new StateReader<Account>(engine, bank);
  await checkReaders([...readers, fresh], finals);
  await fresh.close();
}

function report(outcomes: TransferOutcome[], crashes: number): RunReport {
  return {
    crashes,
    applied: outcomes.reduce((n, o) => n + o.applied.length, 0),
    rejected: outcomes.reduce((n, o) => n + o.rejected, 0),
    retries: outcomes.reduce((n, o) => n + o.retries, 0),
  };
}

/** Writers and clients as processes on `url`; a writer holding shards is SIGKILLed and replaced every KILL_EVERY_MS. */
export async function runAcrossProcesses(url: string): Promise<RunReport> {
  const machine = uniqueName('bank');
  const bank = bankMachine(machine, SHARDS);
  const engine = await connect(url);
  const writers: NodeProcess[] = [];
  const startWriter = async (): Promise<void> => {
    writers.push(await startNodeProcess(WRITER_SCRIPT, [JSON.stringify({ url, machine, shards: SHARDS, options: WRITER_OPTIONS })], { name: 'writer' }));
  };
  const readers: StateReader<Account>[] = [];
  try {
    for (let i = 0; i < WRITERS; i++) await startWriter();
    await openAccounts(engine, bank);
    for (let i = 0; i < 2; i++) {
      const reader = new StateReader<Account>(engine, bank, { blockMs: 200 });
      await reader.start();
      readers.push(reader);
    }
    const load: Omit<TransferLoad, 'id'> = { accounts: ACCOUNTS, seconds: SECONDS, concurrency: 8, timeoutMs: 3_000 };
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) =>
      startNodeProcess(CLIENT_SCRIPT, [JSON.stringify({ url, machine, shards: SHARDS, ...load, id: `${machine}-c${i}` })], { name: 'client' })));
    const done = Promise.all(clients.map(async (c) => {
      await c.exited;
      const event = c.events.find((e) => e.event === 'done');
      assert.ok(event !== undefined, `a client finished: ${c.stderr()}`);
      return event as unknown as TransferOutcome;
    }));
    let crashes = 0;
    let finished = false;
    const restarts: Promise<void>[] = [];
    void done.finally(() => { finished = true; });
    while (!finished) {
      await Promise.race([sleep(KILL_EVERY_MS), done]);
      if (finished) break;
      const holding = writers.filter((w) => w.child.exitCode === null && held(w) > 0);
      const victim = holding[Math.floor(Math.random() * holding.length)];
      if (victim === undefined) continue;
      await victim.kill();
      writers.splice(writers.indexOf(victim), 1);
      crashes++;
      // Not awaited: the next crash comes on time however long a replacement takes to start.
      restarts.push(startWriter());
    }
    await Promise.all(restarts);
    const outcomes = await done;
    await check(engine, bank, outcomes, readers);
    return report(outcomes, crashes);
  } finally {
    for (const r of readers) await r.close();
    await killNodeProcesses();
    await engine.close();
  }
}

/** Shards a writer process holds, from the events it printed. */
function held(w: NodeProcess): number {
  const shards = new Set<number>();
  for (const e of w.events) {
    if (e.event === 'acquired') shards.add(e['shard'] as number);
    if (e.event === 'lost') shards.delete(e['shard'] as number);
  }
  return shards.size;
}

/** The same in one process on `url` (memory://): crashes are `destroy()`, clients are concurrent loops. */
export async function runInProcess(url: string): Promise<RunReport> {
  const machine = uniqueName('bank');
  const bank = bankMachine(machine, SHARDS);
  const engine = await connect(url);
  const writers: StateWriter<Account, BankEvent>[] = [];
  const lost: string[] = [];
  const startWriter = async (): Promise<void> => {
    const w = new StateWriter(engine, bank, WRITER_OPTIONS);
    w.on('lost', (shard, error) => lost.push(`${shard}: ${error.message}`));
    await w.start();
    writers.push(w);
  };
  const readers: StateReader<Account>[] = [];
  try {
    for (let i = 0; i < WRITERS; i++) await startWriter();
    await openAccounts(engine, bank);
    for (let i = 0; i < 2; i++) {
      const reader = new StateReader<Account>(engine, bank, { blockMs: 200 });
      await reader.start();
      readers.push(reader);
    }
    let finished = false;
    const done = Promise.all(Array.from({ length: CLIENTS }, (_, i) =>
      runTransfers(engine, bank, { accounts: ACCOUNTS, seconds: SECONDS, concurrency: 8, timeoutMs: 3_000, id: `${machine}-c${i}` })));
    void done.finally(() => { finished = true; });
    let crashes = 0;
    while (!finished) {
      await Promise.race([sleep(KILL_EVERY_MS), done]);
      if (finished) break;
      const holding = writers.filter((w) => w.shards.length > 0);
      const victim = holding[Math.floor(Math.random() * holding.length)];
      if (victim === undefined) continue;
      victim.destroy();
      writers.splice(writers.indexOf(victim), 1);
      crashes++;
      await startWriter();
    }
    const outcomes = await done;
    await check(engine, bank, outcomes, readers);
    return { ...report(outcomes, crashes), lost };
  } finally {
    for (const r of readers) await r.close();
    for (const w of writers) await w.close();
    await engine.close();
  }
}
