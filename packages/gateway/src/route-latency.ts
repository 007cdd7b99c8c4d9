/**
 * The request latency histogram, one series per route, read by a prom-client
 * Registry in the format of prom-client's own Histogram (same names, labels
 * and lines). prom-client's Histogram checks and hashes the labels of every
 * observation, even through a child made with `labels()`: about half a µs per
 * request, the largest part of what the gateway's metrics cost. Here a route's
 * series is found once, when the route is added, and an observation is a scan
 * of the bounds and two additions.
 */
import type { Metric, Registry } from 'prom-client';

/** Records one request's latency, in seconds. */
export type LatencyObserver = (seconds: number) => void;

/** One route's counts: per bucket (not cumulative; the last one is above every bound), their sum and count. */
interface Series {
  readonly route: string;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A line of the histogram as prom-client's Registry reads it. */
interface Value {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** Bucket lines carry one (none here: exemplars are off), as prom-client's do. */
  readonly exemplar?: null;
}

export class RouteLatency {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The Registry reads any object with prom-client's metric shape (name, help, type, get, reset); its types list only its own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The observer of `route`'s series. */
  route(route: string): LatencyObserver {
    let s = this.series.get(route);
    if (s === undefined) {
      s = { route, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(route, s);
    }
    const series = s;
    const bounds = this.buckets;
    return (seconds) => {
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      series.counts[i]!++;
      series.sum += seconds;
      series.count++;
    };
  }

  /** The lines of every route with a request so far, as prom-client's Histogram gives them. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, metricName: bucket, exemplar: null, labels: { le, route: s.route } });
      });
      values.push(
        { value: s.count, metricName: bucket, exemplar: null, labels: { le: '+Inf', route: s.route } },
        { value: s.sum, metricName: `${this.name}_sum`, labels: { route: s.route } },
        { value: s.count, metricName: `${this.name}_count`, labels: { route: s.route } },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Forgets every observation (`Registry.resetMetrics`). */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
