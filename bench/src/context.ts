/**
 * What every scenario gets: the server's URL and an admin connection for the
 * untimed bookkeeping (INFO, MEMORY USAGE, XLEN, DEL) that neither side pays for.
 */
import { Redis } from 'ioredis';
import type { CpuBudgets } from './budget/budgets.js';
import type { CpuTime } from './cpu-time.js';
import type { BenchOptions } from './options.js';

/** Server arguments: nothing on disk, so no fork or fsync competes with the clients. */
export const BENCH_SERVER_ARGS = Object.freeze(['--save', '', '--appendonly', 'no']);

/** A scenario's view of the benchmark run. */
export interface BenchContext {
  /** `redis://host:port` of the server under test. */
  readonly url: string;
  /** Connection for bookkeeping outside the timed sections. */
  readonly admin: Redis;
  readonly options: BenchOptions;
  /** The run's CPU budgets, or null when they are off or the machine cannot set them. */
  readonly budgets: CpuBudgets | null;
}

/**
 * Opens a plain ioredis connection with default options, as a user of the raw
 * client would; one retry per command so that a dead server fails the run fast.
 */
export function rawConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** The CPU time redis-server has used so far (`INFO cpu`: all its threads). */
export async function serverCpu(admin: Redis): Promise<CpuTime> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return { userMs: field('used_cpu_user') * 1_000, systemMs: field('used_cpu_sys') * 1_000 };
}

/** Deletes the keys of a finished run so that the next one starts on an empty server (not timed). */
export async function dropKeys(admin: Redis, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await admin.del(...keys);
}
