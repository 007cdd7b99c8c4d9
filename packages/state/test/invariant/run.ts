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
  await Promise.all(
    Array.from({ length: 50 }, async () => {
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
    }),
  );
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

/** Writers that can be started and crashed, in processes or in this one. */
interface Fleet {
  start(): Promise<void>;
  /** Crashes a writer that holds shards (false when none does) and starts a replacement without waiting for it. */
  crashOne(): boolean;
  /** Resolves once the replacements started. */
  settled(): Promise<unknown>;
  stopAll(): Promise<void>;
  readonly lost: readonly string[];
}

/**
 * The run: WRITERS writers, the accounts opened, two readers following, then
 * CLIENTS loads of transfers while a writer holding shards crashes every
 * KILL_EVERY_MS; then the checks.
 */
async function run(url: string, makeFleet: (bank: Bank) => Fleet, load: (bank: Bank, engine: Engine) => Promise<TransferOutcome[]>): Promise<RunReport> {
  const bank = bankMachine(uniqueName('bank'), SHARDS);
  const engine = await connect(url);
  const fleet = makeFleet(bank);
  const readers: StateReader<Account>[] = [];
  try {
    for (let i = 0; i < WRITERS; i++) await fleet.start();
    await openAccounts(engine, bank);
    for (let i = 0; i < 2; i++) {
      const reader = new StateReader<Account>(engine, bank, { blockMs: 200 });
      await reader.start();
      readers.push(reader);
    }
    let finished = false;
    const done = load(bank, engine);
    void done
      .finally(() => {
        finished = true;
      })
      .catch(() => undefined);
    let crashes = 0;
    while (!finished) {
      await Promise.race([sleep(KILL_EVERY_MS), done]);
      if (!finished && fleet.crashOne()) crashes++;
    }
    await fleet.settled();
    const outcomes = await done;
    await check(engine, bank, outcomes, readers);
    return { ...report(outcomes, crashes), lost: fleet.lost };
  } finally {
    for (const r of readers) await r.close();
    await fleet.stopAll();
    await engine.close();
  }
}

type Bank = ReturnType<typeof bankMachine>;

const LOAD: Omit<TransferLoad, 'id'> = { accounts: ACCOUNTS, seconds: SECONDS, concurrency: 8, timeoutMs: 3_000 };

/** Writers and clients as processes on `url`; crashes are SIGKILLs. */
export function runAcrossProcesses(url: string): Promise<RunReport> {
  return run(
    url,
    (bank) => {
      const writers: NodeProcess[] = [];
      const starting: Promise<void>[] = [];
      const lost: string[] = [];
      const start = async (): Promise<void> => {
        const w = await startNodeProcess(WRITER_SCRIPT, [JSON.stringify({ url, machine: bank.name, shards: SHARDS, options: WRITER_OPTIONS })], {
          name: 'writer',
        });
        writers.push(w);
      };
      return {
        start,
        lost,
        crashOne(): boolean {
          const holding = writers.filter((w) => w.child.exitCode === null && held(w) > 0);
          const victim = holding[Math.floor(Math.random() * holding.length)];
          if (victim === undefined) return false;
          victim.child.kill('SIGKILL');
          writers.splice(writers.indexOf(victim), 1);
          // Awaited by settled(); until then, a replacement killed at the end of a failed run must not hide the failure.
          const replacement = start();
          replacement.catch(() => undefined);
          starting.push(replacement);
          return true;
        },
        settled: () => Promise.all(starting),
        async stopAll(): Promise<void> {
          for (const w of writers) for (const e of w.events) if (e.event === 'lost') lost.push(`${String(e['shard'])}: ${String(e['message'])}`);
          await killNodeProcesses();
        },
      };
    },
    async (bank) => {
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) =>
          startNodeProcess(CLIENT_SCRIPT, [JSON.stringify({ url, machine: bank.name, shards: SHARDS, ...LOAD, id: `${bank.name}-c${i}` })], { name: 'client' }),
        ),
      );
      return Promise.all(
        clients.map(async (c) => {
          await c.exited;
          const event = c.events.find((e) => e.event === 'done');
          assert.ok(event !== undefined, `a client finished: ${c.stderr()}`);
          return event as unknown as TransferOutcome;
        }),
      );
    },
  );
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
export function runInProcess(url: string): Promise<RunReport> {
  let engine: Engine | undefined;
  return run(
    url,
    (bank) => {
      const writers: StateWriter<Account, BankEvent>[] = [];
      const lost: string[] = [];
      const start = async (): Promise<void> => {
        engine ??= await connect(url);
        const w = new StateWriter(engine, bank, WRITER_OPTIONS);
        w.on('lost', (shard, error) => lost.push(`${shard}: ${error.message}`));
        writers.push(w);
        await w.start();
      };
      const starting: Promise<void>[] = [];
      return {
        start,
        lost,
        crashOne(): boolean {
          const holding = writers.filter((w) => w.shards.length > 0);
          const victim = holding[Math.floor(Math.random() * holding.length)];
          if (victim === undefined) return false;
          victim.destroy();
          writers.splice(writers.indexOf(victim), 1);
          starting.push(start());
          return true;
        },
        settled: () => Promise.all(starting),
        async stopAll(): Promise<void> {
          for (const w of writers) await w.close();
          await engine?.close();
        },
      };
    },
    (bank, shared) => Promise.all(Array.from({ length: CLIENTS }, (_, i) => runTransfers(shared, bank, { ...LOAD, id: `${bank.name}-c${i}` }))),
  );
}
