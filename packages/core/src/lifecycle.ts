/**
 * The one lifecycle of every long-lived object of Streamerson (engines,
 * producers, consumers, services, clients, gateways, …). See
 * docs/ARCHITECTURE.md, "Lifecycle".
 */

/**
 * What every long-lived object offers. Each verb is idempotent; `close()`,
 * `drain()` and `destroy()` may be called in any order and any number of
 * times, and the object ends up down in every case.
 */
export interface Lifecycle<Stats extends object = object> {
  /**
   * Sets the object up and resolves once it does its work (connected,
   * positioned, reading). Idempotent. Rejects with `ERR_STREAMERSON_CLOSED`
   * once the object is closing or closed.
   */
  start(): Promise<void>;
  /**
   * Stops taking new work, finishes the work in flight (sends what is queued,
   * lets handlers finish and acknowledges them), then closes. Resolves when
   * the object is down.
   */
  drain(): Promise<void>;
  /**
   * Stops now, in order: work not yet started is given up (it stays
   * recoverable: unacknowledged messages stay pending), what was accepted and
   * must not be lost is still written, resources are released. Resolves when
   * the object is down.
   */
  close(): Promise<void>;
  /**
   * Stops at once without waiting for anything; operations under way reject
   * with `ERR_STREAMERSON_CLOSED`. `error`, when given, is what brought the
   * object down: {@link closed} resolves with it.
   */
  destroy(error?: Error): void;
  /**
   * Settles once the object is down, however it went down: with `undefined`
   * after `close()`/`drain()`, with the error given to `destroy()` or the one
   * that made the object fail. Never rejects.
   */
  readonly closed: Promise<Error | undefined>;
  /** Counters and state, a plain object made on each call. */
  stats(): Stats;
  /** `await using`: `drain()`, then `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The {@link Lifecycle.closed} promise of an object, settled once from the
 * object's shutdown path.
 */
export class ClosedSignal {
  /** The promise to expose as `closed`. */
  readonly promise: Promise<Error | undefined>;
  #resolve!: (error: Error | undefined) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Whether {@link settle} was called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Settles the promise (with `error` when the object went down on an error); later calls do nothing. */
  settle(error?: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(error);
  }
}
