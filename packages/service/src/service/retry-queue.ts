/**
 * Retries waiting for their delay, ordered by due time: a binary min-heap of
 * items plus a map by entry key. `has`/`delete` are map operations; a deleted
 * item stays in the heap until it reaches the top and is skipped there. The
 * next due time and the due items are read from the top, never by a scan.
 * Bounded by the caller (`maxScheduledRetries`); stale heap items are at most
 * as many as live ones before the heap is rebuilt.
 */

/** A failed entry waiting to be claimed back for its next delivery. */
export interface RetryItem {
  /** The entry's key (`stream` and `id`), as the member's in-progress set names it. */
  readonly key: string;
  readonly stream: string;
  readonly id: string;
  /** Deliveries so far. */
  readonly deliveries: number;
  /** Unix ms after which the entry is claimed again. */
  readonly dueAt: number;
  /** Unix ms of its first failure on this member. */
  readonly firstFailedAt: number;
}

export class RetryQueue {
  private readonly heap: RetryItem[] = [];
  private readonly byKey = new Map<string, RetryItem>();

  /** Retries waiting. */
  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Adds (or replaces) the retry of `item.key`. */
  add(item: RetryItem): void {
    this.byKey.set(item.key, item);
    this.push(item);
    if (this.heap.length > 2 * this.byKey.size + 16) this.rebuild();
  }

  /** Forgets the retry of `key` (claimed by another path); true when there was one. */
  delete(key: string): boolean {
    return this.byKey.delete(key);
  }

  clear(): void {
    this.byKey.clear();
    this.heap.length = 0;
  }

  /** Due time of the earliest retry; Infinity when none waits. */
  nextDueAt(): number {
    return this.top()?.dueAt ?? Infinity;
  }

  /** Removes and returns up to `max` retries due at `now`, earliest first. */
  takeDue(now: number, max: number): RetryItem[] {
    const due: RetryItem[] = [];
    while (due.length < max) {
      const item = this.top();
      if (item === undefined || item.dueAt > now) break;
      this.pop();
      this.byKey.delete(item.key);
      due.push(item);
    }
    return due;
  }

  /** The live item at the top, stale ones dropped on the way. */
  private top(): RetryItem | undefined {
    while (this.heap.length > 0) {
      const item = this.heap[0]!;
      if (this.byKey.get(item.key) === item) return item;
      this.pop();
    }
    return undefined;
  }

  private push(item: RetryItem): void {
    const heap = this.heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueAt <= item.dueAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.dueAt < heap[left]!.dueAt ? right : left;
      if (heap[child]!.dueAt >= last.dueAt) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (const item of this.byKey.values()) this.push(item);
  }
}
