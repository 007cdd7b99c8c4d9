/**
 * The request latency histogram per route. A request only bumps a bucket of
 * plain numbers (prom-client's own `observe` hashes the labels, validates them
 * and allocates on every call); prom-client reads the counts when scraped.
 */
import type { Histogram, Registry } from 'prom-client';

/** One latency observer per route, made once when the route is added. */
export type LatencyObserver = (seconds: number) => void;

/** One exported series value, as prom-client's registry reads it. */
interface Value {
  readonly metricName: string;
  readonly labels: { readonly le?: number | string; readonly route: string };
  readonly value: number;
}

/** What prom-client's registry reads from a metric when scraped. */
interface Snapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly Value[];
}

/** Counts of one route: `buckets[i]` holds observations in (bounds[i-1], bounds[i]], the last one those above every bound. */
class RouteCounts {
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly route: string, private readonly bounds: readonly number[]) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  readonly observe = (seconds: number): void => {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  };
}

/**
 * A histogram with one `route` label, registered like any prom-client metric
 * and exported in the same form as prom-client's `Histogram` (cumulative
 * `_bucket` series with `le`, then `_sum` and `_count`; routes without an
 * observation are left out).
 */
export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly routes = new Map<string, RouteCounts>();

  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    // prom-client types its registry as holding its own four classes; it reads a metric only through `get()`.
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The observer of `route`. */
  route(route: string): LatencyObserver {
    let counts = this.routes.get(route);
    if (counts === undefined) {
      counts = new RouteCounts(route, this.bounds);
      this.routes.set(route, counts);
    }
    return counts.observe;
  }

  async get(): Promise<Snapshot> {
    const values: Value[] = [];
    for (const counts of this.routes.values()) {
      if (counts.count === 0) continue;
      const { route } = counts;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[i]!, route }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', route }, value: counts.count });
      values.push({ metricName: `${this.name}_sum`, labels: { route }, value: counts.sum });
      values.push({ metricName: `${this.name}_count`, labels: { route }, value: counts.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const counts of this.routes.values()) {
      counts.buckets.fill(0);
      counts.sum = 0;
      counts.count = 0;
    }
  }
}
