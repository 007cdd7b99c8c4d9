/**
 * The entries a member works on: each holds a slot from its dispatch until its
 * writes are done (or it is left for a retry), and is never claimed again
 * meanwhile. `dispatch` runs an entry in a slot the caller already took. For
 * each it knows when the engine last counted it idle from (its delivery, or
 * the member's last claim of it that reset its idle time), oldest first.
 */
import type { RawEntry } from '@streamerson/core';
import type { Slots } from './slots.js';

/** The key of an entry of a stream in the member's sets and queues. */
export function entryKey(stream: string, id: string): string {
  return `${stream}\n${id}`;
}

/**
 * Decides and writes what an entry gets; settles once its writes are done,
 * with true when its slot went to a read its writes rode ahead of (see
 * `Outbox.add`). Rejects only on an engine error before the writes (the entry
 * then stays pending).
 */
export type Process = (key: string, stream: string, entry: RawEntry, deliveries: number, firstFailedAt: number | undefined) => Promise<boolean | void>;

export class InProgress {
  /** Entry key → when its idle time last started (Unix ms); in that order (a reset moves the entry to the end). */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly slots: Slots,
    private readonly process: Process,
    /** An engine error before an entry's writes (it stays pending). */
    private readonly onError: (err: unknown, stream: string, entry: RawEntry) => void,
  ) {}

  /** Entries in progress now. */
  get size(): number {
    return this.held.size;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  /** Runs one entry in a slot already taken, and gives the slot back when its writes are done. */
  dispatch(stream: string, entry: RawEntry, deliveries: number, firstFailedAt?: number): void {
    const key = entryKey(stream, entry.id);
    this.held.set(key, Date.now());
    let processed: Promise<boolean | void>;
    try {
      processed = this.process(key, stream, entry, deliveries, firstFailedAt);
    } catch (err) {
      processed = Promise.reject(err);
    }
    processed.then(
      (slotTaken) => this.done(key, slotTaken === true),
      (err: unknown) => {
        this.onError(err, stream, entry);
        this.done(key, false);
      },
    );
  }

  /** When the idle time of the entry idle longest started; Infinity when none is in progress. */
  oldestIdleStart(): number {
    for (const since of this.held.values()) return since;
    return Infinity;
  }

  /** Entries in progress whose idle time started before `time`, by stream. */
  idleSince(time: number): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, since] of this.held) {
      if (since >= time) continue;
      const cut = key.lastIndexOf('\n');
      const stream = key.slice(0, cut);
      const ids = out.get(stream);
      if (ids === undefined) out.set(stream, [key.slice(cut + 1)]);
      else ids.push(key.slice(cut + 1));
    }
    return out;
  }

  /** The engine's idle time of these entries (still in progress) started over at `time`. */
  idleReset(stream: string, ids: readonly string[], time: number): void {
    for (const id of ids) {
      const key = entryKey(stream, id);
      if (!this.held.delete(key)) continue;
      this.held.set(key, time);
    }
  }

  private done(key: string, slotTaken: boolean): void {
    this.held.delete(key);
    if (!slotTaken) this.slots.release(1);
  }
}
