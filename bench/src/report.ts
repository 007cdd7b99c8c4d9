/** The results of a run: a Markdown summary for people, JSON for tools. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MachineInfo } from './machine.js';
import type { Comparison, SideResult } from './measure.js';
import type { BenchOptions } from './options.js';
import type { MemoryResult } from './scenarios/memory.js';

/** Everything one run measured. */
export interface BenchResult {
  /** ISO time the run started. */
  readonly date: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly produce?: Comparison;
  readonly consume?: Comparison;
  readonly memory?: MemoryResult;
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const fixed = (x: number, digits = 2): string => x.toFixed(digits);
const mark = (ok: boolean): string => (ok ? 'yes' : '**no**');

function rate(side: SideResult): string {
  const { median, min, max } = side.msgsPerSec;
  return `${int(median)} (${int(min)}–${int(max)})`;
}

function throughputRow(name: string, c: Comparison): string {
  const same = c.rawSameFormat && c.sameFormatRatio !== undefined ? `${rate(c.rawSameFormat)} | ${fixed(c.sameFormatRatio)}` : '– | –';
  return `| ${name} | ${rate(c.ours)} | ${rate(c.raw)} | ${fixed(c.ratio)} | ≥ ${c.target} ${mark(c.meetsTarget)} | ${fixed(c.ours.clientCpuUsPerMsg)} / ${fixed(c.raw.clientCpuUsPerMsg)} | ${fixed(c.ours.serverCpuUsPerMsg)} / ${fixed(c.raw.serverCpuUsPerMsg)} | ${same} |`;
}

/** The run as Markdown: machine, throughput table, memory table. */
export function formatMarkdown(result: BenchResult): string {
  const { machine: m, options: o } = result;
  const lines = [
    `Run ${result.date} — ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, redis-server ${m.redisServer}`,
    '',
  ];
  const comparisons: [string, Comparison][] = [];
  if (result.produce) comparisons.push(['produce', result.produce]);
  if (result.consume) comparisons.push(['consume', result.consume]);
  if (comparisons.length > 0) {
    lines.push(
      `Throughput: N = ${int(o.n)} messages of ~${o.payloadBytes} B JSON per run, ${o.rounds} runs per side alternating, warm-up ${int(o.warmupN)}; msgs/s median (min–max); CPU µs per message, ours / raw. The last two columns are informational: plain ioredis writing and reading the same eight-field entries as ours.`,
      '',
      '| scenario | ours msgs/s | raw ioredis msgs/s | ratio | target | client CPU µs/msg | redis-server CPU µs/msg | raw, our 8-field entries, msgs/s | ours / that |',
      '|---|---|---|---|---|---|---|---|---|',
      ...comparisons.map(([name, c]) => throughputRow(name, c)),
      '',
    );
  }
  if (result.memory) {
    const mem = result.memory;
    lines.push(
      `Memory: ${int(mem.entries)} entries per stream, MEMORY USAGE … SAMPLES 0 / XLEN; raw = one field \`p\`.`,
      '',
      '| payload | ours B/entry | raw B/entry | ratio | target |',
      '|---|---|---|---|---|',
      ...mem.rows.map(
        (r) => `| ${r.payloadBytes} B | ${fixed(r.ours.bytesPerEntry, 1)} | ${fixed(r.raw.bytesPerEntry, 1)} | ${fixed(r.ratio)} | ≤ ${mem.target} ${mark(r.meetsTarget)} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

/** Writes the result as indented JSON, creating the directory. */
export async function writeJson(path: string, result: BenchResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
}
