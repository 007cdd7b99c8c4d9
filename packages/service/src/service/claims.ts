/**
 * Claims: the ways an entry already delivered to the group comes back to this
 * member, each for at most the free slots.
 *
 * - Due retries: failed entries whose backoff has passed ({@link RetryQueue}).
 * - Own backlog: entries this member (same consumer name) left pending before
 *   a restart, claimed back at once, before any new entry is read.
 * - Abandoned entries: every `claimIntervalMs`, entries idle longer than
 *   `claimIdleMs` on any member (crash recovery), with their real delivery count.
 *
 * So that a live member's long handler is not taken for abandoned, the member
 * claims again (without counting a delivery) the entries it runs once they
 * have been idle for half of `claimIdleMs`, and their idle time starts over
 * ({@link Claims.refresh}). That step takes no slot: the read loop runs it
 * when it is due even while every slot is held, as it is when every handler
 * runs long.
 *
 * All three take free slots, claim, run what was claimed and give back the
 * slots the claim did not fill — in {@link Claims.inFreeSlots}.
 */
import type { Engine, RawEntry } from '@streamerson/core';
import { entryKey, type InProgress } from './in-progress.js';
import type { RetryQueue } from './retry-queue.js';
import type { ServiceConfig } from './service-options.js';
import type { Slots } from './slots.js';
import type { ServiceCounters } from './stats.js';

/** What the claims need from their member. */
export interface ClaimDeps {
  readonly engine: Engine;
  readonly config: ServiceConfig;
  readonly streams: readonly string[];
  readonly slots: Slots;
  readonly inProgress: InProgress;
  readonly retries: RetryQueue;
  readonly counts: ServiceCounters;
  isRunning(): boolean;
}

export class Claims {
  /** Own entries left pending by an earlier run of this member: run them before new ones. */
  private ownBacklog = true;
  private nextScanAt: number;
  private readonly scanCursor = new Map<string, string>();

  constructor(private readonly d: ClaimDeps) {
    this.nextScanAt = Date.now() + d.config.claimIntervalMs;
  }

  /** Whether a claim step is due at `now`, and so waits for a free slot. */
  due(now: number): boolean {
    return this.ownBacklog || now >= this.nextScanAt || this.d.retries.nextDueAt() <= now;
  }

  /** When the next claim step comes due (a read or a wait for a slot must not last past it). */
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

  /** Runs the claim steps that are due, each for at most the free slots. */
  async run(): Promise<void> {
    if (this.d.retries.size > 0) await this.dueRetries();
    if (this.ownBacklog) await this.claimOwnBacklog();
    if (Date.now() >= this.nextScanAt) {
      this.nextScanAt = Date.now() + this.d.config.claimIntervalMs;
      await this.abandoned();
    }
  }

  /** Takes up to `max` free slots, runs `claim` with how many, gives back what it did not use. */
  private async inFreeSlots(max: number, claim: (slots: number) => Promise<number>): Promise<number> {
    const taken = this.d.slots.take(max);
    if (taken === 0) return 0;
    let used = 0;
    try {
      used = await claim(taken);
    } finally {
      if (used < taken) this.d.slots.release(taken - used);
    }
    return taken;
  }

  /** Claims `ids` of `stream` for this member at once and runs what still exists; returns how many. */
  private async claimAndRun(stream: string, ids: readonly string[], deliveries: (id: string) => number, firstFailedAt?: (id: string) => number | undefined): Promise<number> {
    const { engine, config } = this.d;
    const entries = await engine.claim(stream, config.group, config.consumer, ids, { minIdleMs: 0 });
    return this.runClaimed(stream, entries, deliveries, firstFailedAt);
  }

  /** Runs entries just claimed, in slots already taken; returns how many. */
  private runClaimed(stream: string, entries: readonly RawEntry[], deliveries: (id: string) => number, firstFailedAt?: (id: string) => number | undefined): number {
    const { counts, inProgress } = this.d;
    for (const entry of entries) {
      counts.claimed++;
      inProgress.dispatch(stream, entry, deliveries(entry.id), firstFailedAt?.(entry.id));
    }
    return entries.length;
  }

  private async dueRetries(): Promise<void> {
    const { retries } = this.d;
    await this.inFreeSlots(this.d.slots.free, async (slots) => {
      const byStream = new Map<string, Map<string, { deliveries: number; firstFailedAt: number }>>();
      for (const item of retries.takeDue(Date.now(), slots)) {
        let items = byStream.get(item.stream);
        if (items === undefined) byStream.set(item.stream, items = new Map());
        items.set(item.id, item);
      }
      let used = 0;
      for (const [stream, items] of byStream) {
        used += await this.claimAndRun(stream, [...items.keys()], (id) => (items.get(id)?.deliveries ?? 0) + 1, (id) => items.get(id)?.firstFailedAt);
      }
      return used;
    });
  }

  private async claimOwnBacklog(): Promise<void> {
    const { engine, config, inProgress, retries, slots } = this.d;
    let more = false;
    for (const stream of this.d.streams) {
      const taken = await this.inFreeSlots(slots.free, async (n) => {
        const pending = (await engine.pendingRange(stream, config.group, { start: '-', end: '+', count: n + inProgress.size + retries.size, consumer: config.consumer }))
          .filter((p) => !inProgress.has(entryKey(stream, p.id)) && !retries.has(entryKey(stream, p.id)))
          .slice(0, n);
        if (pending.length === 0 || !this.d.isRunning()) return 0;
        if (pending.length === n) more = true;
        const deliveries = new Map(pending.map((p) => [p.id, p.deliveries + 1]));
        return this.claimAndRun(stream, pending.map((p) => p.id), (id) => deliveries.get(id) ?? 1);
      });
      if (taken === 0) return;
    }
    this.ownBacklog = more;
  }

  private async abandoned(): Promise<void> {
    for (const stream of this.d.streams) {
      if (await this.inFreeSlots(this.d.slots.free, (n) => this.claimIdle(stream, n)) === 0) return;
    }
  }

  private async claimIdle(stream: string, count: number): Promise<number> {
    const { engine, config, inProgress, retries } = this.d;
    const { group, consumer, claimIdleMs } = config;
    const result = await engine.autoClaim(stream, group, consumer, claimIdleMs, this.scanCursor.get(stream) ?? '0-0', count);
    this.scanCursor.set(stream, result.next);
    const entries = result.entries.filter((e) => !inProgress.has(entryKey(stream, e.id)));
    if (entries.length === 0 || !this.d.isRunning()) return 0;
    const pending = await engine.pendingRange(stream, group, { start: entries[0]!.id, end: entries[entries.length - 1]!.id, count: result.entries.length, consumer });
    const deliveries = new Map(pending.map((p) => [p.id, p.deliveries]));
    for (const entry of entries) retries.delete(entryKey(stream, entry.id));
    return this.runClaimed(stream, entries, (id) => deliveries.get(id) ?? 1);
  }
}
