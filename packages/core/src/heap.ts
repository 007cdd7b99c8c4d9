/**
 * A binary min-heap of items ordered by a number each carries (a due time, an
 * expiry): the one priority queue of Streamerson — the memory engine's dedupe
 * records and the service's retry queue are ordered by it. `push` and `pop`
 * are O(log n), `peek` O(1). Items the caller no longer wants may stay in the
 * heap (lazy deletion): the caller skips them when they reach the top, and
 * rebuilds with {@link MinHeap.rebuild} when they are too many.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** `order(item)`: the number the heap orders by, smallest first; it must not change while the item is in the heap. */
  constructor(private readonly order: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  /** The item with the smallest order, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const { items, order } = this;
    const at = order(item);
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (order(items[parent]!) <= at) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the item with the smallest order. */
  pop(): T | undefined {
    const { items, order } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    const at = order(last);
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && order(items[right]!) < order(items[left]!) ? right : left;
      if (order(items[child]!) >= at) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Empties the heap. */
  clear(): void {
    this.items.length = 0;
  }

  /** Empties the heap and pushes `items` (the live ones, after lazy deletions). */
  rebuild(items: Iterable<T>): void {
    this.items.length = 0;
    for (const item of items) this.push(item);
  }
}
