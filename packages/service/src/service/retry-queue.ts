/**
 * Retries waiting for their delay, ordered by due time: core's min-heap of
 * items plus a map by entry key. `has`/`delete` are map operations; a deleted
 * item stays in the heap until it reaches the top and is skipped there. The
 * next due time and the due items are read from the top, never by a scan.
 * Bounded by the caller (`maxScheduledRetries`); stale heap items are at most
 * as many as live ones before the heap is rebuilt.
 */

import { MinHeap } from '@streamerson/core/internal';

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
  private readonly heap = new MinHeap<RetryItem>((item) => item.dueAt);
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
    this.heap.push(item);
    if (this.heap.size > 2 * this.byKey.size + 16) this.heap.rebuild(this.byKey.values());
  }

  clear(): void {
    this.byKey.clear();
    this.heap.clear();
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
      this.heap.pop();
      this.byKey.delete(item.key);
      due.push(item);
    }
    return due;
  }

  /** The live item at the top, stale ones dropped on the way. */
  private top(): RetryItem | undefined {
    for (let item = this.heap.peek(); item !== undefined; item = this.heap.peek()) {
      if (this.byKey.get(item.key) === item) return item;
      this.heap.pop();
    }
    return undefined;
  }
}
