/**
 * Credit of a worker: how many handlers may run at once. The read loop takes
 * the free slots before a read (read `COUNT` = free slots) and gives back what
 * the read did not fill, so that the member never holds more entries than it
 * can run.
 */
export class Slots {
  private used = 0;
  private freeWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Slots not taken; 0, never less, while {@link force} holds the count above capacity. */
  get free(): number {
    return Math.max(0, this.capacity - this.used);
  }

  /** Slots taken. */
  get inUse(): number {
    return this.used;
  }

  /** Takes up to `n` free slots; returns how many were taken. */
  take(n: number): number {
    const taken = Math.max(0, Math.min(n, this.free));
    this.used += taken;
    return taken;
  }

  /**
   * Takes one slot even when none is free. For an entry that a read delivered
   * beyond the free slots it took: a read sent behind queued writes, whose
   * entries' slots come free as those writes settle (which may be just after
   * the read's entries arrive), or a cluster read started by an earlier call.
   * The entry is already this member's, so it runs, and the loop reads nothing
   * more until the count is back under capacity.
   */
  force(): void {
    this.used++;
  }

  /** Gives back `n` slots. */
  release(n = 1): void {
    if (n <= 0) return;
    this.used -= n;
    if (this.free > 0 && this.freeWaiters.length > 0) {
      const waiters = this.freeWaiters;
      this.freeWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.used === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when a slot is free. Only the read loop waits here, so the list stays short. */
  whenFree(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.freeWaiters.push(resolve));
  }

  /** Resolves when no slot is taken. Only `drain()` waits here. */
  whenIdle(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Wakes a read loop waiting in {@link whenFree} so that it can notice it must stop. */
  wakeAll(): void {
    const waiters = this.freeWaiters;
    this.freeWaiters = [];
    for (const wake of waiters) wake();
  }
}
