/**
 * Live changes of keys for `watch(key)`: one bounded queue per watcher. A
 * watcher that falls `limit` changes behind is ended with
 * `ERR_STREAMERSON_SLOW_CONSUMER` instead of growing memory.
 */
import { ClosedError, StreamersonError } from '@streamerson/core';
import type { Change } from '../codec.js';

export class Watcher<S> implements AsyncIterableIterator<Change<S>> {
  private readonly queue: Change<S>[] = [];
  private waiting: ((result: IteratorResult<Change<S>>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private ended: Error | null | undefined;

  constructor(
    private readonly limit: number,
    private readonly onEnd: (w: Watcher<S>) => void,
  ) {}

  push(change: Change<S>): void {
    if (this.ended !== undefined) return;
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: change, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      this.end(new StreamersonError('ERR_STREAMERSON_SLOW_CONSUMER', `a watcher fell ${this.limit} changes behind and was dropped`));
      return;
    }
    this.queue.push(change);
  }

  /** Ends the watch: with `error` after the queued changes, or quietly (`null`). */
  end(error: Error | null = null): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    this.onEnd(this);
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      const reject = this.failWaiting!;
      this.waiting = this.failWaiting = undefined;
      if (error === null) resolve({ value: undefined, done: true });
      else reject(error);
    }
  }

  next(): Promise<IteratorResult<Change<S>>> {
    const change = this.queue.shift();
    if (change !== undefined) return Promise.resolve({ value: change, done: false });
    if (this.ended === null) return Promise.resolve({ value: undefined, done: true });
    if (this.ended !== undefined) {
      const error = this.ended;
      this.ended = null;
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<Change<S>>> {
    this.queue.length = 0;
    this.end(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Watchers by key. */
export class WatcherSet<S> {
  private readonly byKey = new Map<string, Set<Watcher<S>>>();

  get size(): number {
    let n = 0;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }

  add(key: string, limit: number): Watcher<S> {
    const watcher = new Watcher<S>(limit, (w) => {
      const set = this.byKey.get(key);
      set?.delete(w);
      if (set?.size === 0) this.byKey.delete(key);
    });
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    set.add(watcher);
    return watcher;
  }

  notify(change: Change<S>): void {
    const set = this.byKey.get(change.key);
    if (set !== undefined) for (const w of [...set]) w.push(change);
  }

  /** Ends every watch (the reader closes). */
  endAll(what: string): void {
    for (const set of [...this.byKey.values()]) for (const w of [...set]) w.end(new ClosedError(what));
  }
}
