/**
 * Replies, dead letters and acks of one tick travel together in one
 * `Engine.appendAndAck`: on standalone Redis one MULTI/EXEC round trip, on
 * other engines the acks once the appends succeeded — an entry is never
 * acknowledged without its reply written. If the appends fail, the entries
 * stay pending for a later delivery.
 */
import type { AppendItem, Engine } from '@streamerson/core';

interface Batch {
  readonly appends: AppendItem[];
  readonly acks: Map<string, string[]>;
  readonly settle: { resolve(): void; reject(err: unknown): void }[];
}

function emptyBatch(): Batch {
  return { appends: [], acks: new Map(), settle: [] };
}

/** Collects the writes of one tick and flushes them on the next. Its size is bounded by the member's concurrency. */
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
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => batch.settle.push({ resolve, reject }));
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = emptyBatch();
    this.scheduled = false;
    this.write(batch).then(
      () => { for (const s of batch.settle) s.resolve(); },
      (err: unknown) => { for (const s of batch.settle) s.reject(err); },
    );
  }

  private write(batch: Batch): Promise<void> {
    return this.engine.appendAndAck(batch.appends, this.group, [...batch.acks].map(([stream, ids]) => ({ stream, ids })));
  }
}
