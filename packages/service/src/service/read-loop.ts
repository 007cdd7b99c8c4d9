/**
 * The member's only loop: the refresh of the idle time of long-running
 * entries when due (it takes no slot); the search for suspects (its own
 * backlog, abandoned entries) when due, and while any are found, nothing but
 * them, one at a time in an idle member; due retries; then new entries — each
 * time for at most the free slots. A read blocks no longer than the next
 * claim step or refresh is due, a wait for a slot no longer than the next
 * refresh. Where
 * the reader can, the writes of finished handlers go ahead of the read
 * (`reads-behind-writes.ts`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BlockingReader, RawEntry, StreamersonError } from '@streamerson/core';
import { Backoff, settlesWithin } from '@streamerson/core/internal';
import type { Claims } from './claims.js';
import type { InProgress } from './in-progress.js';
import type { Outbox } from './outbox.js';
import { ReadsBehindWrites } from './reads-behind-writes.js';
import type { ServiceConfig } from './service-options.js';
import type { Slots } from './slots.js';

/** What the loop needs from its member. */
export interface ReadLoopDeps {
  readonly config: ServiceConfig;
  readonly streams: readonly string[];
  readonly slots: Slots;
  readonly outbox: Outbox;
  readonly claims: Claims;
  readonly inProgress: InProgress;
  /** Aborted when the member stops: ends the pause after an error. */
  readonly stop: AbortSignal;
  isRunning(): boolean;
  /** A read or claim failed; resolves when the loop may go on (the group made again if it was gone). */
  recover(err: StreamersonError, op: 'read' | 'claim'): Promise<void>;
}

export class ReadLoop {
  /**
   * Entries a read delivered beyond the slots it took (a Cluster read over
   * several slots may bring the answer of a read that outlived an earlier
   * call): they wait here for a slot, so that no more handlers run than slots.
   * At most one read's worth; the loop reads nothing more until it is empty.
   */
  private readonly overflow: { stream: string; entry: RawEntry }[] = [];
  private offset = 0;
  /** Pauses after failed reads and claims (an engine outage), reset by a read that succeeds. */
  private readonly backoff = new Backoff();

  constructor(private readonly d: ReadLoopDeps) {}

  async run(reader: BlockingReader): Promise<void> {
    const { slots, claims, isRunning } = this.d;
    const ride = new ReadsBehindWrites(reader, this.d.outbox);
    try {
      while (isRunning()) {
        let op: 'read' | 'claim' = 'claim';
        try {
          if (claims.refreshDueAt() <= Date.now()) {
            ride.release();
            await claims.refresh();
            if (!isRunning()) break;
          }
          if (this.overflow.length > 0) {
            ride.release();
            this.runOverflow();
            if (this.overflow.length > 0) await this.whenFree();
            continue;
          }
          if (claims.searchDue(Date.now())) {
            ride.release();
            await claims.search();
            if (!isRunning()) break;
          }
          if (claims.suspects.alone) {
            // Suspects run one at a time, each in a member that runs nothing else (see `suspects.ts`).
            ride.release();
            if (slots.free === slots.capacity) await claims.suspects.runNext();
            else if (claims.suspects.mayWait(Date.now())) await this.whenIdle(claims.suspects.waitEndsAt());
            else claims.putOffSuspects();
            continue;
          }
          const retriesDue = claims.retriesDue(Date.now());
          if (slots.free === 0 && (retriesDue || ride.credit() === 0)) {
            ride.release();
            await this.whenFree();
            continue;
          }
          if (retriesDue) {
            ride.release();
            await claims.runRetries();
            if (!isRunning()) break;
          }
          op = 'read';
          await this.read(ride);
          this.backoff.reset();
        } catch (err) {
          ride.release();
          if (!isRunning()) break;
          await this.d.recover(err as StreamersonError, op);
          await delay(this.backoff.next(), undefined, { signal: this.d.stop }).catch(() => undefined);
        }
      }
    } finally {
      ride.release();
    }
  }

  /** Waits for a free slot, or until the entries in progress are due for a refresh of their idle time. */
  private whenFree(): Promise<unknown> {
    return this.untilRefresh(this.d.slots.whenFree());
  }

  /** Waits until no slot is taken, or until `endsAt`, or until the entries in progress are due for a refresh of their idle time. */
  private whenIdle(endsAt: number): Promise<unknown> {
    return this.untilRefresh(this.d.slots.whenIdle(), endsAt);
  }

  private untilRefresh(wait: Promise<void>, endsAt = Infinity): Promise<unknown> {
    const until = Math.min(endsAt, this.d.claims.refreshDueAt()) - Date.now();
    return until === Infinity ? wait : settlesWithin(wait, Math.max(0, until));
  }

  /** One group read for the free slots (and those of the writes ahead of it), spread over the shards. */
  private async read(ride: ReadsBehindWrites): Promise<void> {
    const { slots, config, streams, claims } = this.d;
    const ahead = ride.credit();
    const credit = slots.free + ahead;
    if (credit === 0) {
      ride.release();
      return;
    }
    const n = Math.min(streams.length, credit);
    const positions = Array.from({ length: n }, (_, i) => ({ stream: streams[(this.offset + i) % streams.length]!, after: '>' }));
    this.offset = (this.offset + n) % streams.length;
    const count = Math.floor(credit / n);
    const block = Math.max(1, Math.min(config.blockMs, claims.nextDueAt() - Date.now()));
    // The free slots the read needs beyond those it takes over from the writes ahead of it.
    let taken = slots.take(count * n - ahead);
    let used = 0;
    try {
      const sent = ride.read(config.group, config.consumer, positions, { count, blockMs: block });
      taken += sent.slotsTakenOver;
      const result = await sent.result;
      const turn = result.length > 0 ? ride.turn() : undefined;
      for (const { stream, entries } of result) {
        for (const entry of entries) {
          if (used < taken) {
            used++;
            this.d.inProgress.dispatch(stream, entry, 1);
          } else {
            this.overflow.push({ stream, entry });
          }
        }
      }
      await turn;
    } finally {
      if (used < taken) slots.release(taken - used);
    }
  }

  private runOverflow(): void {
    while (this.overflow.length > 0 && this.d.slots.take(1) === 1) {
      const { stream, entry } = this.overflow.shift()!;
      this.d.inProgress.dispatch(stream, entry, 1);
    }
  }
}
