/**
 * The slots of a member: `concurrency` of them. An entry holds one from the
 * moment the member reads or claims it until the engine has applied its reply
 * and ack (or the member has left it for a retry), so the handlers running at
 * once are never more than the slots. The read loop takes the free slots
 * before a read (read `COUNT` = slots taken) and gives back what the read did
 * not fill. Only the read loop takes slots; entries give theirs back.
 */
export class Slots {
  private used = 0;
  private freeWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Slots not taken. */
  get free(): number {
    return this.capacity - this.used;
  }

  /** Takes up to `n` free slots; returns how many were taken. */
  take(n: number): number {
    const taken = Math.max(0, Math.min(n, this.free));
    this.used += taken;
    return taken;
  }

  /** Gives back `n` slots. */
  release(n = 1): void {
    if (n <= 0) return;
    this.used -= n;
    if (this.freeWaiters.length > 0) this.wakeAll();
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

  /** Wakes a read loop waiting in {@link whenFree} (a slot came free, or the loop must notice it is to stop). */
  wakeAll(): void {
    const waiters = this.freeWaiters;
    this.freeWaiters = [];
    for (const wake of waiters) wake();
  }
}
