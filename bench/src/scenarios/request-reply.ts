/**
 * `request-reply`: request/reply without HTTP, closed loop at each configured
 * concurrency, against a worker in a separate process. Ours: `Client.request`
 * from this process to a `Service` in the worker. Raw: plain ioredis on both
 * ends with the same hops (XADD request → XREADGROUP → XADD reply + XACK →
 * XREAD reply), in entries of id, reply stream and payload only. Raw in our
 * protocol's entries (informational): the same raw code writing and reading
 * what our Client and Service do (version, type, deadline; see
 * `RawRrFormat`), which shows what the protocol's content costs apart from
 * the code. The worker reads up to `rrWorkerConcurrency` requests at once on
 * every side; the payload is echoed back, so request and reply bodies match.
 */
import { connect } from '@streamerson/core';
import { Client } from '@streamerson/service';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { describeMode, enterMode, modeSuffix, runModes } from '../budget/modes.js';
import { startAll, startServer, stopAll, type ChildHandle } from '../child.js';
import type { BenchContext } from '../context.js';
import { int } from '../format.js';
import { driveRequests, type Requester } from '../load.js';
import { compare, p50Verdict, throughputVerdict, type Side, type Verdict } from '../measure.js';
import { makePayloads } from '../payload.js';
import { RawRequestClient } from '../rr-raw-client.js';
import type { ComparisonReport } from '../scenario.js';
import { RR_GROUP, RR_TYPE } from '../workers/rr-protocol.js';
import { ackedCount } from './consume.js';

/** Lowest acceptable req/s of ours relative to raw at the highest concurrency. */
export const RR_TARGET_RATIO = 1.0;
/** Highest acceptable excess of ours' p50 over raw's at concurrency 1, ms. */
export const RR_P50_TARGET_MS = 0.05;
/** Longest wait for the worker's last acks after the last reply arrived. */
const ACK_WAIT_MS = 5_000;

const WORKER_SCRIPT = new URL('../workers/rr-worker.js', import.meta.url);

const LABELS = Object.freeze({
  ours: 'Streamerson Client → Service',
  raw: 'raw ioredis both ends',
  rawSameFormat: 'raw ioredis both ends, our protocol entries (informational)',
});

function side(ctx: BenchContext, topic: string, worker: ChildHandle, request: Requester, concurrency: number, afterRun: () => Promise<void>): Side {
  const payloads = makePayloads(Math.min(ctx.options.rrRequests, 10_000), ctx.options.payloadBytes);
  return async (count) => {
    const acked0 = await ackedCount(ctx.admin, topic, RR_GROUP);
    const acked = async (): Promise<number> => (await ackedCount(ctx.admin, topic, RR_GROUP)) - acked0;
    return {
      processes: { worker: () => worker.cpu() },
      run: () => driveRequests(request, payloads, count, concurrency),
      verifyAndCleanup: async () => {
        // Ours acks right after the reply is written, so the last acks may trail the last reply.
        await waitFor(async () => (await acked()) >= count, { timeoutMs: ACK_WAIT_MS }).catch(() => undefined);
        const confirmed = await acked();
        await ctx.admin.xtrim(topic, 'MAXLEN', 0);
        await afterRun();
        return confirmed;
      },
    };
  };
}

/** Runs the request/reply comparison at each concurrency of `rrConcurrency`. */
export async function runRequestReply(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { rrConcurrency, rrRequests, rrSerialRequests, rounds, rrWorkerConcurrency, payloadBytes } = ctx.options;
  const oursTopic = uniqueName('bench-rr-ours');
  const rawTopic = uniqueName('bench-rr-raw');
  const sameFormatTopic = uniqueName('bench-rr-raw-protocol');
  const workerArgs = (mode: string, topic: string): string[] => [mode, ctx.url, topic, String(rrWorkerConcurrency)];
  const workers: ChildHandle[] = [];
  const engine = await connect(ctx.url);
  const client = new Client(engine);
  const raw = new RawRequestClient(ctx.url, rawTopic);
  const sameFormat = new RawRequestClient(ctx.url, sameFormatTopic, 'protocol');
  try {
    const push = (c: ChildHandle): void => void workers.push(c);
    const [oursWorker, rawWorker, sameFormatWorker] = (await startAll([
      startServer(ctx, WORKER_SCRIPT, workerArgs('ours', oursTopic), 'worker', push),
      startServer(ctx, WORKER_SCRIPT, workerArgs('raw', rawTopic), 'raw worker', push),
      startServer(ctx, WORKER_SCRIPT, workerArgs('raw-protocol', sameFormatTopic), 'raw same-format worker', push),
    ])) as [ChildHandle, ChildHandle, ChildHandle];
    const reports: ComparisonReport[] = [];
    const settings = rrConcurrency.flatMap((concurrency) => runModes(ctx).map((mode) => ({ concurrency, mode })));
    for (const { concurrency, mode } of settings) {
      await enterMode(ctx, mode);
      const n = concurrency === 1 ? rrSerialRequests : rrRequests;
      const comparison = await compare(
        ctx,
        {
          ours: side(
            ctx,
            oursTopic,
            oursWorker,
            (p) => client.request(oursTopic, RR_TYPE, p),
            concurrency,
            async () => undefined,
          ),
          raw: side(
            ctx,
            rawTopic,
            rawWorker,
            (p) => raw.request(p),
            concurrency,
            () => raw.trim(),
          ),
          rawSameFormat: side(
            ctx,
            sameFormatTopic,
            sameFormatWorker,
            (p) => sameFormat.request(p),
            concurrency,
            () => sameFormat.trim(),
          ),
        },
        { n, warmupN: Math.max(concurrency, Math.round(n / 10)), rounds },
      );
      const verdicts: Verdict[] =
        concurrency === 1 ? [p50Verdict(comparison, 'ours', 'raw', RR_P50_TARGET_MS)] : [throughputVerdict(comparison, 'ours', 'raw', RR_TARGET_RATIO)];
      reports.push({
        name: `request/reply c=${concurrency}${modeSuffix(mode)}`,
        setup: `${int(concurrency)} ${concurrency === 1 ? 'caller' : 'callers'} in a closed loop, ~${payloadBytes} B JSON echoed by a worker process reading up to ${rrWorkerConcurrency} requests at once; ${describeMode(ctx, mode)}.`,
        unit: 'req/s',
        labels: LABELS,
        comparison,
        verdicts,
        mode,
        ...(ctx.budgets === null ? {} : { budgetCpus: ctx.budgets.info.cpus }),
      });
    }
    return reports;
  } finally {
    await client.close();
    await raw.close();
    await sameFormat.close();
    await stopAll(workers);
    await engine.close();
    await ctx.admin.del(oursTopic, rawTopic, sameFormatTopic);
  }
}
