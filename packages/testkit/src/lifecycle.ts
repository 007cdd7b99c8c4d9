import assert from 'node:assert/strict';

/**
 * The lifecycle every long-lived object of Streamerson offers (`Lifecycle` of
 * `@streamerson/core`, docs/ARCHITECTURE.md "Lifecycle"), written out here so
 * that the test kit needs no package of its own.
 */
export interface LifecycleObject {
  start(): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  destroy(error?: Error): void;
  readonly closed: Promise<Error | undefined>;
  stats(): object;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default bound on each wait of {@link checkLifecycle}. */
export const DEFAULT_LIFECYCLE_TIMEOUT_MS = 10_000;

/** Options of {@link checkLifecycle}. */
export interface CheckLifecycleOptions {
  /** Bound on each wait (a verb's promise, `closed`); default {@link DEFAULT_LIFECYCLE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Names the class in failure messages; default the constructor's name. */
  readonly name?: string;
  /**
   * Gives a started object some work, so that drain and dispose are checked
   * with work in flight; the returned promise is the work, which must resolve:
   * draining finishes the work in flight.
   */
  readonly work?: (object: LifecycleObject) => Promise<unknown>;
}

/**
 * Checks a class against the lifecycle contract, on fresh objects made by
 * `make` (called several times; each object is left closed):
 *
 * - the verbs exist; `closed` is a promise, pending while the object is up;
 * - `start()` resolves and is idempotent; `stats()` returns a plain object before,
 *   while and after running;
 * - `close()` without `start()`, and twice, resolves; then `closed` resolves
 *   with `undefined` and `start()` rejects with `ERR_STREAMERSON_CLOSED`;
 * - `drain()` resolves, after `work` (when given) resolved, and leaves the object
 *   closed; a second `drain()` and a `close()` after it resolve;
 * - `destroy(error)` makes `closed` resolve with that error; `destroy()` again
 *   and `close()` after it do not throw;
 * - `await using` (`Symbol.asyncDispose`) calls `drain()` then `close()`.
 *
 * Every wait is bounded: a verb that never settles fails the check, naming it.
 */
export async function checkLifecycle<T extends LifecycleObject>(make: () => T | Promise<T>, options: CheckLifecycleOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LIFECYCLE_TIMEOUT_MS;
  let label = options.name;
  const within = <V>(what: string, promise: Promise<V>): Promise<V> => bounded(`${label}: ${what}`, promise, timeoutMs);

  // Shape, start, stats, close
  const a = await make();
  label ??= a.constructor.name;
  for (const verb of ['start', 'drain', 'close', 'destroy', 'stats', Symbol.asyncDispose] as const) {
    assert.equal(typeof a[verb], 'function', `${label}: ${String(verb)} is not a method`);
  }
  assert.ok(a.closed instanceof Promise, `${label}: closed is not a promise`);
  assert.equal(a.closed, a.closed, `${label}: closed is not the same promise on every read`);
  checkStats(label, a, 'before start');
  await within('start()', a.start());
  await within('second start()', a.start());
  checkStats(label, a, 'while running');
  assert.equal(await isPending(a.closed), true, `${label}: closed settled while the object is up`);
  await within('close()', a.close());
  await within('second close()', a.close());
  assert.equal(await within('closed after close()', a.closed), undefined, `${label}: closed after close() resolved with an error`);
  checkStats(label, a, 'after close');
  await assert.rejects(
    within('start() after close()', a.start()),
    { code: 'ERR_STREAMERSON_CLOSED' },
    `${label}: start() after close() must reject with ERR_STREAMERSON_CLOSED`,
  );

  // close() without start()
  const b = await make();
  await within('close() without start()', b.close());
  assert.equal(await within('closed after close() without start()', b.closed), undefined);

  // drain()
  const c = await make();
  await within('start()', c.start());
  const work = options.work?.(c);
  await within('drain()', c.drain());
  if (work !== undefined) await within('work given before drain()', work);
  assert.equal(await within('closed after drain()', c.closed), undefined, `${label}: closed after drain() resolved with an error`);
  await within('second drain()', c.drain());
  await within('close() after drain()', c.close());

  // destroy(error)
  const d = await make();
  await within('start()', d.start());
  const reason = new Error('lifecycle check: destroyed on purpose');
  d.destroy(reason);
  d.destroy();
  assert.equal(await within('closed after destroy(error)', d.closed), reason, `${label}: closed must resolve with the error given to destroy()`);
  await within('close() after destroy()', d.close());

  // await using = drain, then close
  const e = await make();
  await within('start()', e.start());
  const calls: string[] = [];
  const drain = e.drain.bind(e);
  const close = e.close.bind(e);
  Object.assign(e, {
    drain: () => {
      calls.push('drain');
      return drain();
    },
    close: () => {
      calls.push('close');
      return close();
    },
  });
  const disposeWork = options.work?.(e);
  await within('[Symbol.asyncDispose]()', e[Symbol.asyncDispose]());
  if (disposeWork !== undefined) await within('work given before dispose', disposeWork);
  assert.deepEqual(calls.slice(0, 2), ['drain', 'close'], `${label}: await using must call drain() then close(), called ${JSON.stringify(calls)}`);
  assert.equal(await within('closed after dispose', e.closed), undefined);
}

function checkStats(label: string, object: LifecycleObject, when: string): void {
  const stats = object.stats();
  assert.ok(stats !== null && typeof stats === 'object' && !Array.isArray(stats), `${label}: stats() ${when} is not a plain object`);
  assert.notEqual(object.stats(), stats, `${label}: stats() must make a new object on each call`);
}

/** Resolves true when `promise` has not settled by the next turn of the event loop. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    new Promise((resolve) => setImmediate(() => resolve(pending))),
  ]);
  return first === pending;
}

function bounded<V>(what: string, promise: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
