/** Summary statistics of a few measured runs. */

/** Median, smallest and largest of a non-empty list. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The {@link Spread} of `values`; the median of an even count is the mean of the middle two. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** The middle half of a list: its 25th and 75th percentiles (nearest rank). */
export interface MiddleHalf {
  readonly low: number;
  readonly high: number;
}

/** The {@link MiddleHalf} of `values`; NaN for an empty list. */
export function middleHalf(values: readonly number[]): MiddleHalf {
  const sorted = Float64Array.from(values).sort();
  return { low: quantile(sorted, 0.25), high: quantile(sorted, 0.75) };
}

/** The `q`-quantile (0…1) of ascending `sorted`, nearest rank; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
