/**
 * Claims: the ways an entry already delivered to the group comes back to this
 * member.
 *
 * - Due retries: failed entries whose backoff has passed ({@link RetryQueue}),
 *   claimed in free slots and run beside other entries — their last delivery
 *   ended with an outcome (the handler threw), so they are not suspects.
 * - Suspects ({@link Suspects}): its own backlog, entries this member (same
 *   consumer name) left pending before a restart, found at once before any
 *   new entry is read; and abandoned entries, idle longer than `claimIdleMs`
 *   on any member (crash recovery), found every `claimIntervalMs`. Each runs
 *   alone.
 *
 * So that a live member's long handler is not taken for abandoned, the member
 * claims again (without counting a delivery) the entries it runs once they
 * have been idle for half of `claimIdleMs`, and their idle time starts over
 * ({@link Claims.refresh}). That step takes no slot: the read loop runs it
 * when it is due even while every slot is held, as it is when every handler
 * runs long.
 */
import type { InProgress } from './in-progress.js';
import type { RetryQueue } from './retry-queue.js';
import { Suspects, type SuspectDeps } from './suspects.js';
import type { Slots } from './slots.js';

/** What the claims need from their member. */
export interface ClaimDeps extends SuspectDeps {
  readonly slots: Slots;
  readonly inProgress: InProgress;
  readonly retries: RetryQueue;
}

export class Claims {
  readonly suspects: Suspects;
  /** Own entries left pending by an earlier run of this member: found before new ones are read. */
  private ownBacklog = true;
  private nextScanAt: number;

  constructor(private readonly d: ClaimDeps) {
    this.suspects = new Suspects(d);
    this.nextScanAt = Date.now() + d.config.claimIntervalMs;
  }

  /** Whether a search for suspects is due at `now` (it takes no slot). */
  searchDue(now: number): boolean {
    return this.suspects.empty && (this.ownBacklog || now >= this.nextScanAt);
  }

  /** Whether retries are due at `now`, and so wait for a free slot. */
  retriesDue(now: number): boolean {
    return this.d.retries.nextDueAt() <= now;
  }

  /** When the next claim step comes due (a read must not block past it). */
  nextDueAt(): number {
    return this.ownBacklog ? 0 : Math.min(this.nextScanAt, this.d.retries.nextDueAt(), this.refreshDueAt());
  }

  /** When the entries in progress are due for a {@link refresh}: half of `claimIdleMs` after the idle time of the oldest started. */
  refreshDueAt(): number {
    return this.d.inProgress.oldestIdleStart() + this.d.config.claimIdleMs / 2;
  }

  /**
   * Resets the idle time of the entries in progress idle for a quarter of
   * `claimIdleMs` or more (so that the next refresh is not due at once).
   */
  async refresh(): Promise<void> {
    const { engine, config, inProgress } = this.d;
    const now = Date.now();
    for (const [stream, ids] of inProgress.idleSince(now - config.claimIdleMs / 4)) {
      await engine.claim(stream, config.group, config.consumer, ids, { minIdleMs: 0, justId: true });
      inProgress.idleReset(stream, ids, now);
    }
  }

  /** Looks for suspects: its own backlog first, then, when the scan is due, abandoned entries. A full list is searched again once run. */
  async search(): Promise<void> {
    if (this.ownBacklog) {
      this.ownBacklog = await this.suspects.findOwn();
      return;
    }
    const more = await this.suspects.findAbandoned();
    this.nextScanAt = more ? 0 : Date.now() + this.d.config.claimIntervalMs;
  }

  /** Puts off the suspects found (the member could not be idle for them): the next search comes after `claimIntervalMs`. */
  putOffSuspects(): void {
    this.ownBacklog = false;
    this.nextScanAt = Date.now() + this.d.config.claimIntervalMs;
  }

  /** Claims the due retries in free slots and runs them. */
  async runRetries(): Promise<void> {
    const { engine, config, slots, retries, inProgress, counts } = this.d;
    const taken = slots.take(slots.free);
    if (taken === 0) return;
    let used = 0;
    try {
      const byStream = new Map<string, Map<string, { deliveries: number; firstFailedAt: number }>>();
      for (const item of retries.takeDue(Date.now(), taken)) {
        let items = byStream.get(item.stream);
        if (items === undefined) byStream.set(item.stream, (items = new Map()));
        items.set(item.id, item);
      }
      for (const [stream, items] of byStream) {
        const entries = await engine.claim(stream, config.group, config.consumer, [...items.keys()], { minIdleMs: 0 });
        for (const entry of entries) {
          const item = items.get(entry.id)!;
          counts.claimed++;
          used++;
          inProgress.dispatch(stream, entry, item.deliveries + 1, item.firstFailedAt);
        }
      }
    } finally {
      if (used < taken) slots.release(taken - used);
    }
  }

  /** Forgets what waits (the member stops). */
  clear(): void {
    this.d.retries.clear();
    this.suspects.clear();
  }
}
