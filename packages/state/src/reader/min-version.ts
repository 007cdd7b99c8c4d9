/**
 * `get(key, { minVersion })` waits: each resolves when the reader applies that
 * version of the key, or rejects with `ERR_STREAMERSON_TIMEOUT`. At most
 * {@link MAX_MIN_VERSION_WAITS} wait at once; beyond, `ERR_STREAMERSON_OVERLOAD`.
 */
import { StreamersonError, TimeoutError } from '@streamerson/core';

/** `minVersion` reads waiting at once in one reader, at most. */
export const MAX_MIN_VERSION_WAITS = 10_000;

interface Wait {
  readonly minVersion: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class MinVersionWaits {
  private readonly byKey = new Map<string, Set<Wait>>();
  private count = 0;

  /** Resolves once `check(key, v)` is called with `v >= minVersion` (or `current()` already is). */
  wait(key: string, minVersion: number, timeoutMs: number, current: () => number): Promise<void> {
    if (current() >= minVersion) return Promise.resolve();
    if (this.count >= MAX_MIN_VERSION_WAITS) {
      return Promise.reject(new StreamersonError('ERR_STREAMERSON_OVERLOAD', `${MAX_MIN_VERSION_WAITS} minVersion reads are waiting already`));
    }
    return new Promise<void>((resolve, reject) => {
      const wait: Wait = {
        minVersion,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(key, wait);
          reject(new TimeoutError(`key "${key}" did not reach version ${minVersion} within ${timeoutMs} ms (the reader is at ${current()})`, timeoutMs));
        }, timeoutMs),
      };
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(wait);
      this.count++;
    });
  }

  /** The reader now holds `version` of `key`. */
  check(key: string, version: number): void {
    const set = this.byKey.get(key);
    if (set === undefined) return;
    for (const wait of [...set]) {
      if (version < wait.minVersion) continue;
      this.remove(key, wait);
      wait.resolve();
    }
  }

  rejectAll(error: Error): void {
    for (const [key, set] of [...this.byKey]) {
      for (const wait of [...set]) {
        this.remove(key, wait);
        wait.reject(error);
      }
    }
  }

  private remove(key: string, wait: Wait): void {
    const set = this.byKey.get(key);
    if (set === undefined || !set.delete(wait)) return;
    clearTimeout(wait.timer);
    this.count--;
    if (set.size === 0) this.byKey.delete(key);
  }
}
