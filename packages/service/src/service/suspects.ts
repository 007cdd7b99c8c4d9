/**
 * Suspects: entries whose last delivery ended without an outcome — left
 * pending by an earlier run of this member (same consumer name), or idle
 * longer than `claimIdleMs` on any member. One of them may be the message that
 * killed its worker (a native crash, out of memory, `process.exit` in a
 * handler), and a crash charges a delivery to every entry its member held.
 * So a suspect is claimed — its delivery counted — only while the member runs
 * nothing else, and runs alone: if it kills the process, the crash is charged
 * to it and to no innocent entry beside it, and it reaches `maxDeliveries`
 * (then the dead-letter stream, as poison) on its own.
 *
 * Finding them takes no slot and claims nothing: `XPENDING` (with `IDLE` for
 * abandoned entries) lists up to `concurrency` of them. The read loop then
 * stops reading, waits until the member is idle and hands each over to
 * {@link Suspects.runNext} in turn — waiting no longer than `claimIdleMs` for
 * the member to be idle ({@link Suspects.mayWait}).
 */
import type { Engine, PendingEntry } from '@streamerson/core';
import { entryKey, type InProgress } from './in-progress.js';
import type { RetryQueue } from './retry-queue.js';
import type { ServiceConfig } from './service-options.js';
import type { Slots } from './slots.js';
import type { ServiceCounters } from './stats.js';

/** What the suspects need from their member. */
export interface SuspectDeps {
  readonly engine: Engine;
  readonly config: ServiceConfig;
  readonly streams: readonly string[];
  readonly slots: Slots;
  readonly inProgress: InProgress;
  readonly retries: RetryQueue;
  readonly counts: ServiceCounters;
  isRunning(): boolean;
}

/** A suspect found, not yet claimed. */
interface Suspect {
  readonly stream: string;
  readonly id: string;
  /** Its deliveries when it was listed. */
  readonly deliveries: number;
  /** Own backlog: claimed whatever its idle time. Abandoned: only while still idle `claimIdleMs` (its owner may have come back). */
  readonly minIdleMs: number;
}

export class Suspects {
  /** Found and waiting for their turn, at most `concurrency`. */
  private readonly queue: Suspect[] = [];
  /** The key of the suspect running now, if any. */
  private running: string | undefined;
  /** Since when the member waits to be idle for a suspect. */
  private waitingSince: number | undefined;

  constructor(private readonly d: SuspectDeps) {}

  /** Whether suspects wait or one runs: the member then reads nothing new and claims nothing else. */
  get alone(): boolean {
    if (this.running !== undefined && !this.d.inProgress.has(this.running)) this.running = undefined;
    return this.queue.length > 0 || this.running !== undefined;
  }

  /**
   * Whether the member may go on waiting to be idle for the next suspect: at
   * most `claimIdleMs` — a handler that hangs must not stop the member. When
   * it may not, the suspects are put off (forgotten until a later search;
   * other members may claim them meanwhile) and new entries are read again.
   */
  mayWait(now: number): boolean {
    this.waitingSince ??= now;
    if (now - this.waitingSince < this.d.config.claimIdleMs) return true;
    this.clear();
    return false;
  }

  /** When {@link mayWait} stops waiting. */
  waitEndsAt(): number {
    return (this.waitingSince ?? Date.now()) + this.d.config.claimIdleMs;
  }

  /** Whether the list is empty, so that a new search may fill it. */
  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Lists this member's own pending entries (left by an earlier run under its name); true when there may be more. */
  findOwn(): Promise<boolean> {
    return this.find({ consumer: this.d.config.consumer }, 0);
  }

  /** Lists entries idle longer than `claimIdleMs` on any member; true when there may be more. */
  findAbandoned(): Promise<boolean> {
    const { claimIdleMs } = this.d.config;
    return this.find({ minIdleMs: claimIdleMs }, claimIdleMs);
  }

  private async find(filter: { readonly consumer?: string; readonly minIdleMs?: number }, minIdleMs: number): Promise<boolean> {
    const { engine, config, inProgress, retries } = this.d;
    let room = config.concurrency - this.queue.length;
    for (const stream of this.d.streams) {
      if (room === 0) return true;
      // Entries of this member's own that the listing may return are skipped: ask for that many more.
      const pending = await engine.pendingRange(stream, config.group, { start: '-', end: '+', count: room + inProgress.size + retries.size, ...filter });
      const found = pending.filter((p: PendingEntry) => !inProgress.has(entryKey(stream, p.id)) && !retries.has(entryKey(stream, p.id))).slice(0, room);
      for (const p of found) this.queue.push({ stream, id: p.id, deliveries: p.deliveries, minIdleMs });
      room -= found.length;
    }
    return room === 0;
  }

  /**
   * Claims the next suspect (counting its delivery) and runs it, in a slot of
   * a member that runs nothing else; the caller waits until the member is
   * idle again before anything else.
   */
  async runNext(): Promise<void> {
    const { engine, config, slots, inProgress, counts } = this.d;
    const suspect = this.queue.shift();
    this.waitingSince = undefined;
    if (suspect === undefined) return;
    const { stream, id } = suspect;
    if (slots.take(1) === 0) {
      this.queue.unshift(suspect);
      return;
    }
    let dispatched = false;
    try {
      const [entry] = await engine.claim(stream, config.group, config.consumer, [id], { minIdleMs: suspect.minIdleMs });
      // Gone (acknowledged, deleted, or taken over by a live member), or the member stops: it stays where it is.
      if (entry === undefined || !this.d.isRunning()) return;
      const [pending] = await engine.pendingRange(stream, config.group, { start: id, end: id, count: 1 });
      counts.claimed++;
      this.running = entryKey(stream, id);
      inProgress.dispatch(stream, entry, pending?.deliveries ?? suspect.deliveries + 1);
      dispatched = true;
    } finally {
      if (!dispatched) slots.release(1);
    }
  }

  /** Forgets what was found (the member stops, or puts them off). */
  clear(): void {
    this.queue.length = 0;
    this.running = undefined;
    this.waitingSince = undefined;
  }
}
