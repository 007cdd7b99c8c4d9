/**
 * `processor`: consume → one output per input → ack. Each run gets a fresh
 * input stream pre-filled (untimed) with N protocol entries. Ours: a
 * `Processor` (one input shard, batches of `batchSize`) whose handler emits
 * the payload to an output stream; each batch's outputs, acks and controller
 * log entry are one fenced write. Raw: an ioredis loop — `XREADGROUP COUNT
 * batchSize`, then `XADD` of each output and `XACK` of the batch in one
 * pipeline. A third side replays the processor's record on `memory://`
 * (inputs re-run and compared per second).
 */
import { MemoryEngine, connect, type Engine } from '@streamerson/core';
import { defineProcessor, Processor, replay, type ProcessorSpec } from '@streamerson/processor';
import { uniqueName, waitFor } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { writeAll } from '../batches.js';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import { compare, throughputVerdict, type Side } from '../measure.js';
import { makePayloads } from '../payload.js';
import { PROTOCOL_FIELDS_BEFORE_PAYLOAD, rawWriter } from '../raw.js';
import type { ComparisonReport } from '../scenario.js';

/** Lowest acceptable throughput of ours relative to raw. */
export const PROCESSOR_TARGET_RATIO = 0.8;
/** Replay on memory:// should re-run at least this many inputs per second. */
export const REPLAY_TARGET_RATE = 100_000;

const LABELS = {
  ours: 'Processor (one fenced write per batch: outputs, acks, log)',
  raw: 'raw ioredis (XREADGROUP, then XADD + XACK pipelined)',
  replay: 'replay of the record on memory:// (inputs/s)',
};

/** A processor reading `input` and writing each payload to `output`. */
function echo(name: string, input: string, output: string): ProcessorSpec {
  return defineProcessor({ name, inputs: [input], outputs: [output], handlers: { '': (msg, ctx) => ctx.emit(output, 'out', msg.payload) } });
}

async function fillInput(redis: Redis, stream: string, count: number, ctx: BenchContext): Promise<void> {
  const { payloadBytes, batchSize, inFlightBatches } = ctx.options;
  await writeAll(rawWriter(redis, stream, 'protocol'), makePayloads(count, payloadBytes), count, batchSize, inFlightBatches);
}

/** Keys a processor run leaves: its input, output, log, lease and state. */
function processorKeys(name: string, input: string, output: string): string[] {
  return [input, output, `{${input}}:proc:${name}:log`, `{${input}}:proc:${name}:lease`, `{${input}}:proc:${name}:state`, `_proc:${name}:handoff`];
}

function oursSide(ctx: BenchContext, engine: Engine, redis: Redis): Side {
  return async (count) => {
    const name = uniqueName('bench-proc');
    const input = `${name}-in`;
    const output = `${name}-out`;
    await fillInput(redis, input, count, ctx);
    const processor = new Processor(engine, echo(name, input, output), { batchSize: ctx.options.batchSize, blockMs: 100, announce: false, outputMaxLen: 0 });
    return {
      run: async () => {
        await processor.start();
        await waitFor(() => processor.stats().processed >= count, { timeoutMs: 600_000, intervalMs: 2, what: 'the processor to process every input' });
        return processor.stats().processed;
      },
      verifyAndCleanup: async () => {
        await processor.close();
        const made = await ctx.admin.xlen(output);
        await dropKeys(ctx.admin, processorKeys(name, input, output));
        return made;
      },
    };
  };
}

/** The raw loop: read a batch as the group, then one pipeline of an XADD per entry and the batch's XACK. */
async function rawProcess(redis: Redis, input: string, output: string, group: string, count: number, batchSize: number): Promise<number> {
  let done = 0;
  while (done < count) {
    const reply = (await redis.xreadgroup('GROUP', group, 'c', 'COUNT', batchSize, 'BLOCK', 100, 'STREAMS', input, '>')) as
      | [string, [string, string[]][]][]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    const pipeline = redis.pipeline();
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const payload = JSON.parse(fields[fields.length - 1]!) as unknown;
      pipeline.xadd(output, '*', ...PROTOCOL_FIELDS_BEFORE_PAYLOAD, JSON.stringify(payload));
      ids.push(id);
    }
    pipeline.xack(input, group, ...ids);
    await pipeline.exec();
    done += entries.length;
  }
  return done;
}

function rawSide(ctx: BenchContext, redis: Redis): Side {
  return async (count) => {
    const name = uniqueName('bench-raw');
    const input = `${name}-in`;
    const output = `${name}-out`;
    await fillInput(redis, input, count, ctx);
    await redis.xgroup('CREATE', input, 'g', '0');
    return {
      run: () => rawProcess(redis, input, output, 'g', count, ctx.options.batchSize),
      verifyAndCleanup: async () => {
        const made = await ctx.admin.xlen(output);
        await dropKeys(ctx.admin, [input, output]);
        return made;
      },
    };
  };
}

/** Replay: a processor run recorded on memory:// (untimed), then timed: its replay, which must find no divergence. */
function replaySide(ctx: BenchContext): Side {
  return async (count) => {
    const engine = new MemoryEngine();
    const name = uniqueName('bench-replay');
    const spec = echo(name, `${name}-in`, `${name}-out`);
    const payloads = makePayloads(count, ctx.options.payloadBytes);
    for (let i = 0; i < count; i += ctx.options.batchSize) {
      await engine.appendBatch(
        payloads.slice(i, i + ctx.options.batchSize).map((p) => ({ stream: `${name}-in`, fields: [...PROTOCOL_FIELDS_BEFORE_PAYLOAD, JSON.stringify(p)] })),
      );
    }
    const processor = new Processor(engine, spec, { batchSize: ctx.options.batchSize, announce: false, blockMs: 100 });
    await processor.start();
    await waitFor(() => processor.stats().processed >= count, { timeoutMs: 600_000, intervalMs: 2, what: 'the recorded run' });
    await processor.close();
    let identical = 0;
    return {
      run: async () => {
        const report = await replay(engine, spec);
        if (report.divergence === undefined) identical = report.inputs;
        return report.inputs;
      },
      verifyAndCleanup: async () => {
        await engine.close();
        return identical;
      },
    };
  };
}

/** Runs the `processor` comparison. */
export async function runProcessor(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { n, warmupN, rounds, batchSize, payloadBytes } = ctx.options;
  const engine = await connect(ctx.url);
  const redis = rawConnection(ctx.url);
  try {
    const comparison = await compare(ctx, { ours: oursSide(ctx, engine, redis), raw: rawSide(ctx, redis), replay: replaySide(ctx) }, { n, warmupN, rounds });
    const replayRate = comparison.sides['replay']!.msgsPerSec.median;
    return [
      {
        name: 'processor',
        setup: `Consume ~${payloadBytes} B JSON entries (${batchSize} per read), one output per input, ack: a Processor against a raw ioredis loop; replay re-runs the recorded batches on memory:// and compares every output (target ≥ ${REPLAY_TARGET_RATE.toLocaleString('en-US')} inputs/s: ${replayRate >= REPLAY_TARGET_RATE ? 'met' : 'not met'}).`,
        unit: 'msgs/s',
        labels: LABELS,
        comparison,
        verdicts: [throughputVerdict(comparison, 'ours', 'raw', PROCESSOR_TARGET_RATIO)],
      },
    ];
  } finally {
    await engine.close();
    await redis.quit();
  }
}
