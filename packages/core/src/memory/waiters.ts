/** A blocked read waiting for appends to some streams. */
export interface Waiter {
  readonly streams: readonly string[];
  /** Called when one of the streams changed; must only schedule work, never re-enter the store. */
  wake(): void;
}

/** The blocked reads of one store, by stream, in arrival order (Redis serves blocked clients first come, first served). */
export class WaiterRegistry {
  private readonly byStream = new Map<string, Set<Waiter>>();

  add(waiter: Waiter): void {
    for (const stream of waiter.streams) {
      let set = this.byStream.get(stream);
      if (set === undefined) {
        set = new Set();
        this.byStream.set(stream, set);
      }
      set.add(waiter);
    }
  }

  remove(waiter: Waiter): void {
    for (const stream of waiter.streams) {
      const set = this.byStream.get(stream);
      if (set === undefined) continue;
      set.delete(waiter);
      if (set.size === 0) this.byStream.delete(stream);
    }
  }

  /** Wakes every waiter of `stream`. */
  notify(stream: string): void {
    const set = this.byStream.get(stream);
    if (set === undefined) return;
    for (const waiter of set) waiter.wake();
  }

  /** Number of streams with waiters. */
  get size(): number {
    return this.byStream.size;
  }
}
