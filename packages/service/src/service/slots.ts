/**
 * The slots of a member: `concurrency` of them. An entry holds one from the
 * moment the member reads or claims it until the engine has applied its reply
 * and ack (or the member has left it for a retry), so the handlers running at
 * once are never more than the slots. The read loop takes the free slots
 * before a read (read `COUNT` = slots taken) and gives back what the read did
 * not fill. Only the read loop takes slots; entries give theirs back.
 */
interface Waiter {
  readonly promise: Promise<void>;
  readonly wake: () => void;
}

function waiter(): Waiter {
  let wake!: () => void;
  const promise = new Promise<void>((resolve) => {
    wake = resolve;
  });
  return { promise, wake };
}

export class Slots {
  private used = 0;
  /** What waits for a free slot (the read loop) and for no slot taken: one shared promise each, so that waits cut short do not pile up. */
  private freeWaiter: Waiter | undefined;
  private idleWaiter: Waiter | undefined;

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
    this.wakeAll();
    if (this.used === 0) {
      const waiter = this.idleWaiter;
      this.idleWaiter = undefined;
      waiter?.wake();
    }
  }

  /** Resolves when a slot is free (or {@link wakeAll} is called). Only the read loop waits here. */
  whenFree(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return (this.freeWaiter ??= waiter()).promise;
  }

  /** Resolves when no slot is taken. */
  whenIdle(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return (this.idleWaiter ??= waiter()).promise;
  }

  /** Wakes a read loop waiting in {@link whenFree} (a slot came free, or the loop must notice it is to stop). */
  wakeAll(): void {
    const waiter = this.freeWaiter;
    this.freeWaiter = undefined;
    waiter?.wake();
  }
}
