/**
 * The gateway's latency histogram reads, in a prom-client Registry, exactly as
 * prom-client's own Histogram with a `route` label reads for the same
 * observations: text and JSON, bounds included, routes without a request left out.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../src/index.js';
import { RouteLatency } from '../src/route-latency.js';

const NAME = 'latency_seconds';
const HELP = 'Latency per route.';

function pair(): { ours: RouteLatency; ref: Histogram<'route'>; oursRegistry: Registry; refRegistry: Registry } {
  const oursRegistry = new Registry();
  const refRegistry = new Registry();
  const ours = new RouteLatency(NAME, HELP, LATENCY_BUCKETS, oursRegistry);
  const ref = new Histogram({ name: NAME, help: HELP, labelNames: ['route'], buckets: [...LATENCY_BUCKETS], registers: [refRegistry] });
  return { ours, ref, oursRegistry, refRegistry };
}

describe('RouteLatency', () => {
  it('reads as prom-client’s Histogram for the same observations, on every bound and past the last', async () => {
    const { ours, ref, oursRegistry, refRegistry } = pair();
    const samples: Record<string, number[]> = {
      'GET /hello': [0, 0.0004, 0.0005, 0.00051, 0.003, 0.003, 0.7, 10, 11, ...LATENCY_BUCKETS],
      'POST /todos/:id': [0.02, 0.2, 2],
    };
    ours.route('GET /never');
    ref.labels('GET /never');
    for (const [route, values] of Object.entries(samples)) {
      const observe = ours.route(route);
      const child = ref.labels(route);
      for (const v of values) {
        observe(v);
        child.observe(v);
      }
    }
    const text = await oursRegistry.metrics();
    assert.equal(text, await refRegistry.metrics());
    assert.match(text, /latency_seconds_bucket\{le="0.0005",route="GET \/hello"\} 4\n/);
    assert.match(text, /latency_seconds_count\{route="POST \/todos\/:id"\} 3\n/);
    assert.doesNotMatch(text, /GET \/never/);
    // As a JSON reader sees them (prom-client's sum and count lines carry an `exemplar` key set to undefined).
    const json = async (r: Registry): Promise<unknown> => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
    assert.deepEqual(await json(oursRegistry), await json(refRegistry));
  });

  it('forgets its observations on resetMetrics, as prom-client’s does', async () => {
    const { ours, ref, oursRegistry, refRegistry } = pair();
    ours.route('GET /a')(0.001);
    ref.labels('GET /a').observe(0.001);
    oursRegistry.resetMetrics();
    refRegistry.resetMetrics();
    assert.equal(await oursRegistry.metrics(), await refRegistry.metrics());
    ours.route('GET /a')(0.002);
    ref.labels('GET /a').observe(0.002);
    assert.equal(await oursRegistry.metrics(), await refRegistry.metrics());
  });
});
