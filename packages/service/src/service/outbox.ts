/**
 * Replies, dead letters and acks of one turn of the event loop travel
 * together in one `Engine.appendAndAck`: on standalone Redis one MULTI/EXEC
 * round trip, on other engines the acks once the appends succeeded — an entry
 * is never acknowledged without its reply written. If the appends fail, the
 * entries stay pending for a later delivery and the error goes to `onError`.
 *
 * The read loop may hold the outbox and take its writes to send them ahead of
 * its next read; see `reads-behind-writes.ts`, the one place that does.
 */
import type { AppendItem, Engine, StreamAcks, WritesBeforeRead } from '@streamerson/core';

interface Batch {
  readonly appends: AppendItem[];
  readonly acks: Map<string, string[]>;
  /** One per entry: resolves with whether its slot went to a read. */
  readonly settle: ((slotTaken: boolean) => void)[];
}

function emptyBatch(): Batch {
  return { appends: [], acks: new Map(), settle: [] };
}

function acksOf(batch: Batch): StreamAcks[] {
  return [...batch.acks].map(([stream, ids]) => ({ stream, ids }));
}

/** Collects writes and flushes them in the event loop's check phase. Its size is bounded by the member's slots. */
export class Outbox {
  private batch: Batch = emptyBatch();
  private scheduled = false;
  private held = false;

  constructor(
    private readonly engine: Engine,
    private readonly group: string,
    /** Called once per batch whose writes failed, with the acks it held (its entries stay pending). */
    private readonly onError: (err: unknown, acks: readonly StreamAcks[]) => void,
  ) {}

  /**
   * Queues appends and the ack of `ack.id` on `ack.stream`. Resolves once
   * they were sent and done (or failed, which `onError` reports): with true
   * when they went ahead of a read that took the entry's slot over, false
   * when the entry still holds its slot. Never rejects.
   */
  add(appends: readonly AppendItem[], ack: { readonly stream: string; readonly id: string }): Promise<boolean> {
    const batch = this.batch;
    for (const item of appends) batch.appends.push(item);
    const ids = batch.acks.get(ack.stream);
    if (ids === undefined) batch.acks.set(ack.stream, [ack.id]);
    else ids.push(ack.id);
    if (!this.scheduled && !this.held) this.schedule();
    return new Promise((resolve) => batch.settle.push(resolve));
  }

  /** Entries whose writes are queued and not yet sent. */
  get size(): number {
    return this.batch.settle.length;
  }

  /** From now on, queued writes wait for {@link takeForRead} or {@link release} instead of leaving on their own. */
  hold(): void {
    this.held = true;
  }

  /** Ends a hold: what is queued leaves now. */
  release(): void {
    this.held = false;
    this.flush();
  }

  /**
   * Ends a hold and hands the queued writes over to be sent ahead of a read
   * (nothing if none). Their entries resolve `add()` with true: the read
   * takes their slots over.
   */
  takeForRead(): WritesBeforeRead | undefined {
    this.held = false;
    return this.take(true);
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.held) this.flush();
    });
  }

  private take(slotTaken: boolean): WritesBeforeRead | undefined {
    const batch = this.batch;
    if (batch.settle.length === 0) return undefined;
    this.batch = emptyBatch();
    const acks = acksOf(batch);
    return {
      appends: batch.appends,
      acks,
      settled: (error) => {
        if (error !== undefined) this.onError(error, acks);
        for (const s of batch.settle) s(slotTaken);
      },
    };
  }

  private flush(): void {
    const writes = this.take(false);
    if (writes === undefined) return;
    this.engine.appendAndAck(writes.appends, this.group, writes.acks).then(
      () => writes.settled(),
      (err: unknown) => writes.settled(err),
    );
  }
}
