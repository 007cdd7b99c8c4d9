/** Default deadline of {@link waitFor}. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
/** Default poll interval of {@link waitFor}. */
export const DEFAULT_WAIT_INTERVAL_MS = 25;

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long; default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Poll interval; default {@link DEFAULT_WAIT_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** Says what was awaited, for the failure message. */
  readonly what?: string;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `predicate` until it returns a truthy value and resolves with it. A
 * predicate that throws counts as "not yet"; on timeout the last thrown error
 * becomes the `cause`, so the failure says why the condition never held.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${reason}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
