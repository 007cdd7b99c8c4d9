/**
 * Ends waits when a reader closes. A
 * command queued while its connection waits to (re)connect is not always
 * settled by ioredis' disconnect(), so a reader must not wait on the command
 * alone. Racing every read against one long-lived promise would leave a
 * reaction on that promise per read, each holding the read's result until
 * close — so each wait registers here and unregisters as soon as it settles.
 */
export class CloseLatch {
  private readonly waiting = new Set<() => void>();
  private closed = false;

  /** Settles like `work`, or with `onClose` as soon as {@link close} is called. */
  race<T>(work: Promise<T>, onClose: T): Promise<T> {
    if (this.closed) return Promise.resolve(onClose);
    return new Promise<T>((resolve, reject) => {
      const end = (): void => resolve(onClose);
      this.waiting.add(end);
      work.then(
        (value) => {
          this.waiting.delete(end);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(end);
          reject(error);
        },
      );
    });
  }

  /** Ends every wait under way and every later one. Idempotent. */
  close(): void {
    this.closed = true;
    for (const end of this.waiting) end();
    this.waiting.clear();
  }
}
