import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from '../src/latency.js';
import { LATENCY_BUCKETS } from '../src/metrics.js';

/** The same observations in prom-client's own Histogram and in ours. */
function both(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({ name: 'latency_seconds', help: 'help with "quotes" and \\', labelNames: ['route'], buckets: [...LATENCY_BUCKETS], registers: [theirs] });
  const latency = new LatencyHistogram('latency_seconds', 'help with "quotes" and \\', LATENCY_BUCKETS, ours);
  latency.route('GET /never');
  const routes = ['POST /echo', 'GET /todos/:id "x"'];
  const values = [0.0001, 0.0005, 0.00049999, 0.0007, 0.001, 0.003, 0.02, 0.5, 3, 10, 12];
  for (const route of routes) {
    const observe = latency.route(route);
    for (const value of values) {
      histogram.observe({ route }, value * route.length);
      observe(value * route.length);
    }
  }
  return { theirs, ours };
}

it('exports the same text as prom-client’s Histogram', async () => {
  const { theirs, ours } = both();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

it('aggregates over a cluster as prom-client’s Histogram does', async () => {
  const { theirs, ours } = both();
  const aggregated = async (r: Registry): Promise<string> => AggregatorRegistry.aggregate([await r.getMetricsAsJSON(), await r.getMetricsAsJSON()]).metrics();
  assert.equal(await aggregated(ours), await aggregated(theirs));
});

it('resets with its registry', async () => {
  const { theirs, ours } = both();
  theirs.resetMetrics();
  ours.resetMetrics();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.doesNotMatch(await ours.metrics(), /_count/);
});
