import { MinHeap } from '../heap.js';

/** A dedupe record: the id of the first append of a message id, until it expires. */
interface DedupeRecord {
  readonly key: string;
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * Dedupe records of idempotent appends, keyed by stream and message id, each
 * expiring after its own window. Expired records are swept on every call
 * through a min-heap ({@link MinHeap}) ordered by expiry, so memory holds only the records of
 * the current windows.
 */
export class DedupeTable {
  private readonly records = new Map<string, DedupeRecord>();
  private readonly byExpiry = new MinHeap<DedupeRecord>((r) => r.expiresAt);

  get size(): number {
    return this.records.size;
  }

  /** The id recorded for `messageId` on `stream` and still within its window. */
  get(stream: string, messageId: string, now: number): string | undefined {
    this.sweep(now);
    return this.records.get(key(stream, messageId))?.id;
  }

  /** Records the id of a first append for `windowMs`. */
  set(stream: string, messageId: string, id: string, windowMs: number, now: number): void {
    const record: DedupeRecord = { key: key(stream, messageId), id, expiresAt: now + windowMs };
    this.records.set(record.key, record);
    this.byExpiry.push(record);
  }

  private sweep(now: number): void {
    for (let top = this.byExpiry.peek(); top !== undefined && top.expiresAt <= now; top = this.byExpiry.peek()) {
      this.byExpiry.pop();
      // A newer record under the same key replaced this one; leave it.
      if (this.records.get(top.key) === top) this.records.delete(top.key);
    }
  }
}

function key(stream: string, messageId: string): string {
  return `${stream}\u0000${messageId}`;
}
