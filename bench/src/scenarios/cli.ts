/**
 * `cli`: the `streamerson` binary as a user runs it, against the raw
 * pipelined XADD rate on the same server in the same run. `produce` of an
 * NDJSON file of ~100-byte lines should reach 0.8 × raw ioredis writing the
 * same lines (read into memory beforehand) with the CLI's batching; `tap`
 * reading them back should keep up with `produce`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamersonError } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { writeAll } from '../batches.js';
import { dropKeys, rawConnection, type BenchContext } from '../context.js';
import type { CpuTime } from '../cpu-time.js';
import { int } from '../format.js';
import { compare, throughputVerdict, type CpuProbe, type PreparedRun, type Side } from '../measure.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_WARMUP_FRACTION } from '../options.js';
import { makePayload } from '../payload.js';
import { rawLineWriter } from '../raw.js';
import type { ComparisonReport } from '../scenario.js';

/** Lowest acceptable `produce` throughput relative to raw pipelined XADD. */
export const CLI_PRODUCE_TARGET_RATIO = 0.8;
/** `tap` keeps up: its throughput at least `produce`'s. */
export const CLI_TAP_TARGET_RATIO = 1;
/** `streamerson produce`'s default `--batch` (packages/cli/src/produce/writer.ts); the raw side batches alike. */
export const CLI_BATCH_SIZE = 1_000;
/** `streamerson produce`'s default `--in-flight`. */
export const CLI_IN_FLIGHT = 4;

/** The compiled binary, relative to this file in `bench/dist/src/scenarios/`. */
const CLI_MAIN = new URL('../../../../packages/cli/dist/src/main.js', import.meta.url);
const CPU_WRAPPER = new URL('../workers/cpu-wrapper.js', import.meta.url);
/** Lines of the file written per write call. */
const WRITE_CHUNK_LINES = 10_000;
/** Most stderr of a child kept for its error message. */
const STDERR_LIMIT = 4_096;

/** Side labels of `cli`. */
export const CLI_LABELS = Object.freeze({
  ours: 'streamerson produce <file> (child process)',
  raw: 'raw ioredis pipelines, same entries, lines in memory',
  tap: 'streamerson tap -p (child process), stdout piped to the bench',
});

/** What one run of the binary wrote on stdout. */
interface CliOutput {
  readonly lines: number;
  readonly bytes: number;
}

/**
 * Runs `node cpu-wrapper.js <binary> …args` to its exit; the wrapper writes the
 * child's CPU time to `cpuFile`. Counts the lines of stdout when `countStdout`,
 * else ignores it. Throws with the child's stderr when it exits other than 0.
 */
async function runBinary(args: readonly string[], cpuFile: string, countStdout: boolean): Promise<CliOutput> {
  const child = spawn(process.execPath, [fileURLToPath(CPU_WRAPPER), fileURLToPath(CLI_MAIN), ...args], {
    stdio: ['ignore', countStdout ? 'pipe' : 'ignore', 'pipe'],
    env: { ...process.env, BENCH_CPU_FILE: cpuFile },
  });
  let lines = 0;
  let bytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text;
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new StreamersonError('ERR_STREAMERSON_ENGINE', `streamerson ${args[0]} exited with ${signal ?? code}: ${stderr.trim().slice(0, STDERR_LIMIT)}`);
  }
  return { lines, bytes };
}

/** No CPU time: the child has not run yet. */
const NO_CPU: CpuTime = Object.freeze({ userMs: 0, systemMs: 0 });

/** The child's CPU time as the wrapper wrote it at exit; none before the child ran (no file yet). */
function cpuFileProbe(cpuFile: string): CpuProbe {
  return async () => {
    let text: string;
    try {
      text = await readFile(cpuFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return NO_CPU;
      throw error;
    }
    return JSON.parse(text) as CpuTime;
  };
}

/** Writes `lines[0…count)` as an NDJSON file. */
async function writeNdjson(path: string, lines: readonly string[], count: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < count; i += WRITE_CHUNK_LINES) {
      await file.write(`${lines.slice(i, Math.min(count, i + WRITE_CHUNK_LINES)).join('\n')}\n`);
    }
  } finally {
    await file.close();
  }
}

/** Runs the `cli` comparison: produce from a file, raw XADD of its lines, tap back. */
export async function runCli(ctx: BenchContext): Promise<ComparisonReport[]> {
  const { cliLines: n, longRunRounds: rounds, payloadBytes } = ctx.options;
  const warmupN = Math.max(DEFAULT_BATCH_SIZE, Math.round(n * DEFAULT_WARMUP_FRACTION));
  try {
    await access(CLI_MAIN);
  } catch (error) {
    throw new StreamersonError('ERR_STREAMERSON_NOT_FOUND', `${fileURLToPath(CLI_MAIN)} is missing: build the CLI (npx tsc --build bench)`, { cause: error });
  }
  const dir = await mkdtemp(join(tmpdir(), 'streamerson-bench-cli-'));
  const redis = rawConnection(ctx.url);
  try {
    // One file of n lines and one of the warm-up's; the raw side reads the big one back, so both send the same bytes.
    const generated = Array.from({ length: Math.max(n, warmupN) }, (_, i) => JSON.stringify(makePayload(i, payloadBytes)));
    const files = new Map<number, { readonly path: string; readonly bytes: number }>();
    for (const count of new Set([n, warmupN])) {
      const path = join(dir, `lines-${count}.ndjson`);
      await writeNdjson(path, generated, count);
      files.set(count, { path, bytes: (await stat(path)).size });
    }
    generated.length = 0;
    const lines = (await readFile(files.get(Math.max(n, warmupN))!.path, 'utf8')).split('\n');
    lines.pop();
    const fileOf = (count: number): { readonly path: string; readonly bytes: number } => {
      const file = files.get(count);
      if (file === undefined) throw new StreamersonError('ERR_STREAMERSON_INVALID_OPTION', `cli: no file of ${count} lines`);
      return file;
    };
    let runs = 0;
    const cpuFile = (): string => join(dir, `cpu-${++runs}`);
    const verifyLength = (stream: string) => async (): Promise<number> => {
      const length = await ctx.admin.xlen(stream);
      await dropKeys(ctx.admin, [stream]);
      return length;
    };

    const ours: Side = async (count): Promise<PreparedRun> => {
      const stream = uniqueName('bench-cli-produce');
      const file = fileOf(count).path;
      const cpu = cpuFile();
      return {
        run: async () => {
          await runBinary(['produce', stream, file, '--url', ctx.url, '-q'], cpu, false);
          // Exit 0 of produce means every line was sent; XLEN afterwards confirms it.
          return count;
        },
        verifyAndCleanup: verifyLength(stream),
        processes: { cli: cpuFileProbe(cpu) },
      };
    };
    const raw: Side = async (count): Promise<PreparedRun> => {
      const stream = uniqueName('bench-cli-raw');
      const writer = rawLineWriter(redis, stream);
      return {
        run: () => writeAll(writer, lines, count, CLI_BATCH_SIZE, CLI_IN_FLIGHT),
        verifyAndCleanup: verifyLength(stream),
      };
    };
    const tap: Side = async (count): Promise<PreparedRun> => {
      const stream = uniqueName('bench-cli-tap');
      const expectedBytes = fileOf(count).bytes;
      const cpu = cpuFile();
      // Filled before timing with the entries produce writes (same fields, same payload bytes).
      const filled = await writeAll(rawLineWriter(redis, stream), lines, count, CLI_BATCH_SIZE, CLI_IN_FLIGHT);
      if (filled !== count) throw new StreamersonError('ERR_STREAMERSON_ENGINE', `cli: filled ${filled} of ${count} entries for tap`);
      let output: CliOutput = { lines: 0, bytes: 0 };
      return {
        run: async () => {
          output = await runBinary(['tap', stream, '--from', 'beginning', '--count', String(count), '-p', '--url', ctx.url], cpu, true);
          return output.lines;
        },
        verifyAndCleanup: async () => {
          await dropKeys(ctx.admin, [stream]);
          // `-p` gives each JSON payload back byte for byte: the output is the file.
          if (output.bytes !== expectedBytes) {
            throw new StreamersonError('ERR_STREAMERSON_ENGINE', `cli: tap wrote ${output.bytes} bytes, the file has ${expectedBytes}`);
          }
          return output.lines;
        },
        processes: { cli: cpuFileProbe(cpu) },
      };
    };

    const comparison = await compare(ctx, { ours, raw, tap }, { n, warmupN, rounds });
    return [
      {
        name: 'CLI produce/tap',
        setup:
          `An NDJSON file of ~${payloadBytes} B JSON lines (${int(fileOf(n).bytes / 1e6)} MB, temporary directory). ` +
          `produce: the binary as a child process, \`produce <stream> <file> -q\` with its defaults (${int(CLI_BATCH_SIZE)} per pipeline, ${CLI_IN_FLIGHT} in flight), timed from spawn to exit (Node startup included), XLEN checked. ` +
          `raw: the file's lines read into memory before timing, then ioredis pipelines of ${int(CLI_BATCH_SIZE)} \`XADD\`s of the same fields (\`v 1 p <line>\`), ${CLI_IN_FLIGHT} in flight. ` +
          `tap: \`tap <stream> --from beginning --count N -p\` on a stream filled beforehand with the same entries, stdout piped into the bench, lines counted and bytes checked against the file. ` +
          'CPU "cli" is the child\'s own `process.cpuUsage()` at exit (startup included).',
        unit: 'msgs/s',
        labels: CLI_LABELS,
        comparison,
        verdicts: [throughputVerdict(comparison, 'ours', 'raw', CLI_PRODUCE_TARGET_RATIO), throughputVerdict(comparison, 'tap', 'ours', CLI_TAP_TARGET_RATIO)],
      },
    ];
  } finally {
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  }
}
