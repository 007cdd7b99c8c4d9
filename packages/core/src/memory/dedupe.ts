/** A dedupe record: the id of the first append of a message id, until it expires. */
interface DedupeRecord {
  readonly key: string;
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * Dedupe records of idempotent appends, keyed by stream and message id, each
 * expiring after its own window. Expired records are swept on every call
 * through a min-heap ordered by expiry, so memory holds only the records of
 * the current windows.
 */
export class DedupeTable {
  private readonly records = new Map<string, DedupeRecord>();
  private readonly heap: DedupeRecord[] = [];

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
    this.push(record);
  }

  private sweep(now: number): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.expiresAt <= now) {
      const top = this.pop();
      // A newer record under the same key replaced this one; leave it.
      if (this.records.get(top.key) === top) this.records.delete(top.key);
    }
  }

  private push(record: DedupeRecord): void {
    const heap = this.heap;
    let i = heap.push(record) - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (heap[parent]!.expiresAt <= record.expiresAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = record;
  }

  private pop(): DedupeRecord {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && heap[r]!.expiresAt < heap[l]!.expiresAt ? r : l;
        if (heap[c]!.expiresAt >= last.expiresAt) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function key(stream: string, messageId: string): string {
  return `${stream}\u0000${messageId}`;
}
