/**
 * The load generator of every HTTP side: autocannon as a library, the same
 * call, connection count and request count for all. Latency is recorded per
 * response at full precision (autocannon's own histogram keeps whole ms).
 */
import autocannon from 'autocannon';
import { StreamersonError } from '@streamerson/core';
import { quantile } from './stats.js';
import type { RunOutcome } from './measure.js';
import type { HttpCall } from './http-calls.js';

/** autocannon's sampling tick, ms: bounds how long a run lasts past its last response. */
export const SAMPLE_INTERVAL_MS = 10;

/**
 * Sends `amount` requests of `call` over `connections` connections; every
 * answer must be `call.expect`. With several ports (servers of one path) the
 * connections are spread over them in turn.
 */
export async function httpLoad(port: number | readonly number[], call: HttpCall, amount: number, connections: number): Promise<RunOutcome> {
  const latencies = new Float64Array(amount);
  const ports = typeof port === 'number' ? [port] : port;
  let recorded = 0;
  const instance = autocannon({
    url: ports.map((p) => `http://127.0.0.1:${p}${call.path}`),
    connections,
    pipelining: 1,
    amount,
    method: call.method,
    ...(call.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: call.body }),
    expectBody: call.expect,
    // autocannon notices the last response only on its sampling tick (default 1 s), which would pad every run.
    sampleInt: SAMPLE_INTERVAL_MS,
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    if (recorded < amount) latencies[recorded++] = responseTime;
  });
  const result = await instance;
  const failed = result.errors + result.timeouts + result.non2xx + result.mismatches;
  if (failed > 0) {
    // A server that answers wrongly must not post a figure.
    throw new StreamersonError(
      'ERR_STREAMERSON_ENGINE',
      `port ${ports.join(', ')}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${result.mismatches} wrong bodies`,
    );
  }
  const sorted = latencies.subarray(0, recorded).sort();
  return { processed: result['2xx'], latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) } };
}
