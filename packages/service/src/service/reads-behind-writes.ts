/**
 * Reading behind queued writes: the one place of this hot-path optimisation.
 *
 * A member's replies and acks normally leave on their own (the outbox flushes
 * them in the event loop's check phase, on the engine's shared connection).
 * Where the reader offers `BlockingReader.readGroupAfter` (standalone Redis),
 * the writes queued when the loop is about to read go ahead of that read on
 * the reader's connection instead — one round trip for "here are my answers,
 * give me more", as a hand-written worker would pipeline it. The contract:
 *
 * 1. Order. The engine applies the writes before it runs the read (one
 *    connection, commands in order), so the entries they acknowledge are done
 *    when the read is served.
 * 2. Credit. Hence the slots of those entries are the read's: the read asks
 *    for `COUNT` = free slots + the slots of the writes ahead of it, and takes
 *    those slots over (their `Outbox.add` resolves with true and they do not
 *    give the slot back). A member never holds more entries than slots, as
 *    the engine sees it, on this path too.
 * 3. Turn. After a read's answer, the loop holds the outbox and waits for the
 *    event loop's check phase before its next step: handlers that finish by
 *    then (those that return a value, or a promise settled without I/O) have
 *    queued their writes, which then ride on the next read. If the loop does
 *    not read right away (no credit, a claim step due, an error, a stop), it
 *    releases the outbox and the writes leave on their own. Nothing depends on
 *    the order of two callbacks in one phase: the outbox does not flush while held.
 *
 * `test/read-writes.test.ts` reads the commands Redis receives (MONITOR) and
 * fails if a transaction of replies and acks does not come right before a read
 * on the reader's connection, or if a read asks for more than the slots.
 */
import { setImmediate as checkPhase } from 'node:timers/promises';
import type { BlockingReader, GroupReadOptions, GroupReadPosition, StreamEntries } from '@streamerson/core';
import type { Outbox } from './outbox.js';

/** A read sent, with how many slots it took over from the writes ahead of it. */
export interface ReadSent {
  readonly result: Promise<StreamEntries[]>;
  readonly slotsTakenOver: number;
}

export class ReadsBehindWrites {
  /** Whether the reader can send writes ahead of a read. */
  readonly possible: boolean;

  constructor(
    private readonly reader: BlockingReader,
    private readonly outbox: Outbox,
  ) {
    this.possible = reader.readGroupAfter !== undefined;
  }

  /** Slots the next read may use besides the free ones: those of the writes that would go ahead of it. */
  credit(): number {
    return this.possible ? this.outbox.size : 0;
  }

  /** Sends a group read, with the queued writes ahead of it where possible; ends a hold of the outbox. */
  read(group: string, consumer: string, positions: readonly GroupReadPosition[], options: GroupReadOptions): ReadSent {
    const writes = this.possible ? this.outbox.takeForRead() : undefined;
    if (writes === undefined) return { result: this.reader.readGroup(group, consumer, positions, options), slotsTakenOver: 0 };
    let slotsTakenOver = 0;
    for (const a of writes.acks) slotsTakenOver += a.ids.length;
    return { result: this.reader.readGroupAfter!(writes, group, consumer, positions, options), slotsTakenOver };
  }

  /**
   * After a read that delivered entries: holds the outbox and resolves in the
   * check phase, when the handlers that finish at once have queued their writes.
   */
  async turn(): Promise<void> {
    if (!this.possible) return;
    this.outbox.hold();
    await checkPhase();
  }

  /** The loop does not read now: queued writes leave on their own. */
  release(): void {
    if (this.possible) this.outbox.release();
  }
}
