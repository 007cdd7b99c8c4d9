/**
 * Closed-loop load for request/reply: `concurrency` callers, each sending its
 * next request as soon as the previous reply arrives, until `total` requests
 * are answered; every request's latency is recorded.
 */
import { StreamersonError } from '@streamerson/core';
import { performance } from 'node:perf_hooks';
import type { RunOutcome } from './measure.js';
import type { BenchPayload } from './payload.js';
import { quantile } from './stats.js';

/** Sends one request and resolves with the reply payload. */
export type Requester = (payload: BenchPayload) => Promise<unknown>;

/** Runs `total` requests of `payloads[i]` with `concurrency` callers; checks that each reply echoes its request. */
export async function driveRequests(request: Requester, payloads: readonly BenchPayload[], total: number, concurrency: number): Promise<RunOutcome> {
  const latencies = new Float64Array(total);
  let next = 0;
  let answered = 0;
  const caller = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const payload = payloads[i % payloads.length]!;
      const t0 = performance.now();
      const reply = (await request(payload)) as BenchPayload | null;
      latencies[i] = performance.now() - t0;
      // A reply matched to the wrong request must fail the run, not count.
      if (reply?.id !== payload.id) throw new StreamersonError('ERR_STREAMERSON_ENGINE', `request ${payload.id} got the reply of ${reply?.id}`);
      answered++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, caller));
  latencies.sort();
  return { processed: answered, latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) } };
}
