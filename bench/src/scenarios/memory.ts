/**
 * `memory`: bytes per entry that Redis spends on our messages against
 * one-field entries carrying the same JSON (`XADD s * p <json>`), measured
 * with `MEMORY USAGE <stream> SAMPLES 0` (every node counted) over XLEN.
 * Several payload sizes, because listpack node boundaries make single figures jumpy.
 */
import { connect } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { writeAll } from '../batches.js';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import { oursWriter, type BatchWriter } from '../ours.js';
import { makePayloads } from '../payload.js';
import { fixed, int, mark } from '../format.js';
import { rawWriter } from '../raw.js';
import type { Scenario } from '../scenario.js';

/** Highest acceptable bytes-per-entry of ours relative to raw. */
export const MEMORY_TARGET_RATIO = 1.2;
/** Entry format of the raw one-field entries: `XADD s * p <json>`. */
export const RAW_MEMORY_FORMAT = Object.freeze({ field: 'p' });

/** One stream's footprint. */
export interface Footprint {
  readonly entries: number;
  readonly bytes: number;
  readonly bytesPerEntry: number;
}

/** Ours against raw at one payload size. */
export interface MemoryRow {
  readonly payloadBytes: number;
  readonly ours: Footprint;
  readonly raw: Footprint;
  /** Bytes per entry of ours divided by raw's. */
  readonly ratio: number;
  readonly meetsTarget: boolean;
}

/** Result of the `memory` scenario. */
export interface MemoryResult {
  readonly entries: number;
  readonly target: number;
  readonly rows: readonly MemoryRow[];
}

async function footprint(ctx: BenchContext, writer: BatchWriter, stream: string, payloadBytes: number): Promise<Footprint> {
  const { memoryEntries, batchSize, inFlightBatches } = ctx.options;
  try {
    await writeAll(writer, makePayloads(memoryEntries, payloadBytes), memoryEntries, batchSize, inFlightBatches);
    await writer.close();
    const entries = await ctx.admin.xlen(stream);
    const bytes = Number(await ctx.admin.memory('USAGE', stream, 'SAMPLES', 0));
    return { entries, bytes, bytesPerEntry: bytes / entries };
  } finally {
    await dropKeys(ctx.admin, [stream]);
  }
}

/** Runs the `memory` comparison for each configured payload size. */
export async function runMemory(ctx: BenchContext): Promise<MemoryResult> {
  const engine = await connect(ctx.url);
  const redis = rawConnection(ctx.url);
  try {
    const rows: MemoryRow[] = [];
    for (const payloadBytes of ctx.options.memoryPayloadSizes) {
      const oursStream = uniqueName('bench-memory-ours');
      const rawStream = uniqueName('bench-memory-raw');
      const ours = await footprint(ctx, oursWriter(engine, oursStream, ctx.options.batchSize), oursStream, payloadBytes);
      const raw = await footprint(ctx, rawWriter(redis, rawStream, RAW_MEMORY_FORMAT), rawStream, payloadBytes);
      const ratio = ours.bytesPerEntry / raw.bytesPerEntry;
      rows.push({ payloadBytes, ours, raw, ratio, meetsTarget: ratio <= MEMORY_TARGET_RATIO });
    }
    return { entries: ctx.options.memoryEntries, target: MEMORY_TARGET_RATIO, rows };
  } finally {
    await engine.close();
    await redis.quit();
  }
}

/** The `memory` scenario: its own table (bytes, not throughput), no chart bars. */
export const memoryScenario: Scenario<MemoryResult> = {
  name: 'memory',
  run: runMemory,
  markdown: (mem) => [
    `**memory** — ${int(mem.entries)} entries per stream, MEMORY USAGE … SAMPLES 0 / XLEN; raw = one field \`p\`.`,
    '',
    '| payload | ours B/entry | raw B/entry | ratio | target |',
    '|---|---|---|---|---|',
    ...mem.rows.map(
      (r) =>
        `| ${r.payloadBytes} B | ${fixed(r.ours.bytesPerEntry, 1)} | ${fixed(r.raw.bytesPerEntry, 1)} | ${fixed(r.ratio)} | ≤ ${mem.target} ${mark(r.meetsTarget)} |`,
    ),
    '',
  ],
  chart: () => [],
  verdicts: (mem) =>
    mem.rows.map((r) => ({
      name: `memory ${r.payloadBytes} B`,
      verdict: { side: 'ours', baseline: 'raw', metric: 'maxRatio', value: r.ratio, target: mem.target, meetsTarget: r.meetsTarget },
    })),
};
