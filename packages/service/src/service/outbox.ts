/**
 * Replies, dead letters and acks of one turn of the event loop travel
 * together in one `Engine.appendAndAck`: on standalone Redis one MULTI/EXEC
 * round trip, on other engines the acks once the appends succeeded — an entry
 * is never acknowledged without its reply written. If the appends fail, the
 * entries stay pending for a later delivery. The member's read loop may take
 * the writes instead, to send them ahead of its next read (see
 * `BlockingReader.readGroupAfter`).
 */
import type { AppendItem, Engine, StreamAcks, WritesBeforeRead } from '@streamerson/core';

interface Batch {
  readonly appends: AppendItem[];
  readonly acks: Map<string, string[]>;
  readonly settle: { resolve(): void; reject(err: unknown): void }[];
}

function emptyBatch(): Batch {
  return { appends: [], acks: new Map(), settle: [] };
}

function acksOf(batch: Batch): StreamAcks[] {
  return [...batch.acks].map(([stream, ids]) => ({ stream, ids }));
}

function settle(batch: Batch, error?: unknown): void {
  if (error === undefined) for (const s of batch.settle) s.resolve();
  else for (const s of batch.settle) s.reject(error);
}

/** Collects writes and flushes them in the event loop's check phase. Its size is bounded by the member's concurrency. */
export class Outbox {
  private batch: Batch = emptyBatch();
  private scheduled = false;

  constructor(private readonly engine: Engine, private readonly group: string) {}

  /** Queues appends and the ack of `ack.id` on `ack.stream`; resolves once both are done. */
  add(appends: readonly AppendItem[], ack: { readonly stream: string; readonly id: string }): Promise<void> {
    const batch = this.batch;
    for (const item of appends) batch.appends.push(item);
    const ids = batch.acks.get(ack.stream);
    if (ids === undefined) batch.acks.set(ack.stream, [ack.id]);
    else ids.push(ack.id);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    return new Promise((resolve, reject) => batch.settle.push({ resolve, reject }));
  }

  /** Entries whose writes are queued and not yet sent. */
  get size(): number {
    return this.batch.settle.length;
  }

  /** The writes queued so far, handed to the caller to send (nothing if none); they settle through `settled`. */
  take(): WritesBeforeRead | undefined {
    const batch = this.batch;
    if (batch.settle.length === 0) return undefined;
    this.batch = emptyBatch();
    return { appends: batch.appends, acks: acksOf(batch), settled: (error) => settle(batch, error) };
  }

  private flush(): void {
    const writes = this.take();
    if (writes === undefined) return;
    this.engine.appendAndAck(writes.appends, this.group, writes.acks).then(() => writes.settled(), (err: unknown) => writes.settled(err));
  }
}
