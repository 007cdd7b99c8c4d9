import type { StreamEntries } from '../engine/types.js';
import type { Waiter } from './waiters.js';

/** Longest single timer Node.js accepts; longer blocks re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** Where a blocked read waits to be woken. */
export interface WaiterSet {
  add(waiter: Waiter): void;
  remove(waiter: Waiter): void;
}

/** How a {@link BlockedRead} waits. */
export interface BlockedReadOptions {
  /** Block up to this long; 0 waits until an entry arrives. */
  readonly blockMs: number;
  /** Also re-run the read this often without being woken (for wake-ups that may be lost); omitted: never. */
  readonly recheckMs?: number;
  /** Called once when the read is over (served, timed out, closed or failed). */
  readonly stopped: (read: BlockedRead) => void;
}

/**
 * A read waiting for appends: registered in a {@link WaiterSet}, it re-runs
 * `attempt` when woken, and resolves with its first non-empty result, with
 * `[]` when `blockMs` passes or {@link finish} is called, or rejects with what
 * `attempt` threw (a group destroyed meanwhile). Shared by the engines that
 * implement blocking in the process (`memory://`, `file://`).
 */
export class BlockedRead implements Waiter {
  private scheduled = false;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly recheck: NodeJS.Timeout | undefined;

  constructor(
    readonly streams: readonly string[],
    private readonly waiters: WaiterSet,
    private readonly attempt: () => StreamEntries[],
    private readonly resolve: (entries: StreamEntries[]) => void,
    private readonly reject: (error: unknown) => void,
    private readonly options: BlockedReadOptions,
  ) {
    waiters.add(this);
    const { blockMs, recheckMs } = options;
    if (blockMs > 0) {
      const deadline = Date.now() + blockMs;
      this.timer = setTimeout(() => this.arm(deadline), Math.min(blockMs, MAX_TIMER_MS));
    }
    if (recheckMs !== undefined) this.recheck = setInterval(() => this.wake(), recheckMs);
  }

  private arm(deadline: number): void {
    const left = deadline - Date.now();
    if (left <= 0) {
      this.finish([]);
      return;
    }
    this.timer = setTimeout(() => this.arm(deadline), Math.min(left, MAX_TIMER_MS));
  }

  wake(): void {
    if (this.scheduled || this.done) return;
    this.scheduled = true;
    // Re-read after the append that woke us has returned, as a server would.
    queueMicrotask(() => this.check());
  }

  private check(): void {
    this.scheduled = false;
    if (this.done) return;
    let result: StreamEntries[];
    try {
      result = this.attempt();
    } catch (error) {
      this.stop();
      this.reject(error);
      return;
    }
    if (result.length > 0) this.finish(result);
  }

  /** Resolves the read (with `[]` on timeout or close). */
  finish(result: StreamEntries[]): void {
    if (this.done) return;
    this.stop();
    this.resolve(result);
  }

  private stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.recheck !== undefined) clearInterval(this.recheck);
    this.waiters.remove(this);
    this.options.stopped(this);
  }
}

/**
 * The reads under way of one reader: each waits as a {@link BlockedRead} and
 * leaves the set when it is over; {@link finishAll} ends them all with `[]`
 * (the reader's `interrupt()` and its close).
 */
export class BlockedReads {
  readonly #reads = new Set<BlockedRead>();

  /** Reads under way. */
  get size(): number {
    return this.#reads.size;
  }

  /** Waits in `waiters` for entries of `streams`, re-running `attempt`; see {@link BlockedRead}. */
  wait(streams: readonly string[], waiters: WaiterSet, attempt: () => StreamEntries[], options: Omit<BlockedReadOptions, 'stopped'>): Promise<StreamEntries[]> {
    return new Promise((resolve, reject) => {
      const stopped = (read: BlockedRead): void => void this.#reads.delete(read);
      this.#reads.add(new BlockedRead(streams, waiters, attempt, resolve, reject, { ...options, stopped }));
    });
  }

  /** Ends every read under way with `[]`, as its block time would. */
  finishAll(): void {
    for (const read of [...this.#reads]) read.finish([]);
  }
}
