/**
 * The one retry schedule of Streamerson: capped exponential with jitter. Every
 * loop that retries after a failure (consumer reads, engine reconnects,
 * services and clients waiting out an outage) takes its delays from here.
 */
import { functionOption, intOption, numberOption, optionKeys, optionsObject } from './options.js';

/** Default first delay, in ms. */
export const DEFAULT_BACKOFF_MIN_MS = 100;
/** Default longest delay, in ms. */
export const DEFAULT_BACKOFF_MAX_MS = 5_000;
/** Default growth of the delay from one attempt to the next. */
export const DEFAULT_BACKOFF_FACTOR = 2;
/**
 * Default jitter: each delay is shortened by a random part of up to this
 * fraction, so that many clients cut off by the same outage do not retry in
 * step.
 */
export const DEFAULT_BACKOFF_JITTER = 0.2;

/** Options of {@link backoff}. */
export interface BackoffOptions {
  /** Delay of the first attempt, in ms; default {@link DEFAULT_BACKOFF_MIN_MS}. */
  readonly minMs?: number;
  /** Cap of every delay, in ms (at least `minMs`); default {@link DEFAULT_BACKOFF_MAX_MS}. */
  readonly maxMs?: number;
  /** Growth per attempt (at least 1; 1 is a constant delay); default {@link DEFAULT_BACKOFF_FACTOR}. */
  readonly factor?: number;
  /** Fraction (0 to 1) of each delay that is random; default {@link DEFAULT_BACKOFF_JITTER}. */
  readonly jitter?: number;
  /** Source of randomness in `[0, 1)`; default `Math.random`. */
  readonly random?: () => number;
}

/** Parsed, frozen backoff options. */
export interface BackoffConfig {
  readonly minMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
}

const KNOWN = optionKeys<BackoffOptions>({ minMs: true, maxMs: true, factor: true, jitter: true, random: true });

/**
 * A retry schedule. {@link delay} is pure (attempt `n` → delay); {@link next}
 * and {@link reset} keep the attempt count for a loop:
 *
 * ```ts
 * const retry = backoff({ minMs: 100, maxMs: 5_000 });
 * for (;;) {
 *   try { await work(); retry.reset(); }
 *   catch { await sleep(retry.next()); }
 * }
 * ```
 *
 * The delay of attempt `n` (from 1) is `min(maxMs, minMs × factor^(n-1))`,
 * shortened by a random part of up to `jitter` of it: never above `maxMs`,
 * never below `(1 - jitter)` of the exponential value.
 */
export class Backoff {
  /** The parsed, frozen options. */
  readonly config: BackoffConfig;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    const o = optionsObject(options, KNOWN);
    const minMs = intOption(o['minMs'], 'minMs', DEFAULT_BACKOFF_MIN_MS, 0);
    const maxMs = intOption(o['maxMs'], 'maxMs', Math.max(DEFAULT_BACKOFF_MAX_MS, minMs), minMs);
    this.config = Object.freeze({
      minMs,
      maxMs,
      factor: numberOption(o['factor'], 'factor', DEFAULT_BACKOFF_FACTOR, 1, 1_000),
      jitter: numberOption(o['jitter'], 'jitter', DEFAULT_BACKOFF_JITTER, 0, 1),
    });
    this.#random = functionOption<() => number>(o['random'], 'random') ?? Math.random;
  }

  /** Attempts counted by {@link next} since the last {@link reset}. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before attempt `attempt` (1 is the first retry), in whole ms. */
  delay(attempt: number): number {
    const { minMs, maxMs, factor, jitter } = this.config;
    // factor ** n overflows to Infinity for large attempts, which the cap absorbs; 0 × Infinity would be NaN.
    const base = minMs === 0 ? 0 : Math.min(maxMs, minMs * factor ** (Math.max(attempt, 1) - 1));
    return Math.round(base * (1 - jitter * this.#random()));
  }

  /** Counts one more attempt and returns its delay. */
  next(): number {
    return this.delay(++this.#attempt);
  }

  /** Starts the count again (after a success). */
  reset(): void {
    this.#attempt = 0;
  }
}

/** A new {@link Backoff}. */
export function backoff(options?: BackoffOptions): Backoff {
  return new Backoff(options);
}
