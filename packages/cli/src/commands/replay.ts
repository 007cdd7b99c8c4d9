/**
 * `streamerson replay <module> --processor <name>`: loads a processor's
 * definition from a module, re-runs it against the inputs its controller log
 * recorded (with the recorded clock and randomness) into `memory://`, and
 * compares its outputs with the record. Nothing is written to the engine.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { isStreamId, MemoryEngine, StreamersonError } from '@streamerson/core';
import { replay, type Divergence, type ProcessorSpec } from '@streamerson/processor';
import { intArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { notFound, usageError } from '../errors.js';
import { examples } from '../help.js';
import { plural } from '../inspect/units.js';

interface ReplayCliOptions {
  readonly processor: string;
  readonly from?: string;
  readonly to?: string;
  readonly state: string[];
  readonly shard: number[];
  readonly maxAttempts?: number;
  readonly json: boolean;
}

function isSpec(value: unknown): value is ProcessorSpec {
  return typeof value === 'object' && value !== null && typeof (value as ProcessorSpec).name === 'string' && (value as ProcessorSpec).handlers instanceof Map;
}

/** The processor named `name` among the module's exports (a default export that is a module object counts too). */
async function loadProcessor(path: string, name: string): Promise<ProcessorSpec> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(resolve(path))) throw notFound(`no module at ${path}`);
    throw new StreamersonError('ERR_STREAMERSON_USAGE', `the module ${path} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  const candidates = [...Object.values(mod), ...Object.values((mod['default'] ?? {}) as Record<string, unknown>)].filter(isSpec);
  const found = candidates.find((s) => s.name === name);
  if (found !== undefined) return found;
  const names = [...new Set(candidates.map((s) => s.name))];
  throw notFound(
    `${path} exports no processor "${name}" (${names.length === 0 ? 'it exports none made by defineProcessor' : `it exports ${names.map((n) => `"${n}"`).join(', ')}`})`,
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function describeDivergence(d: Divergence): string[] {
  const lines = [`divergence at input ${d.inputId} of ${d.stream} (batch logged as ${d.logEntry}): ${d.reason}`];
  if (d.expected !== undefined) {
    const shown =
      d.expected.message === undefined
        ? `digest ${d.expected.digest} (the message is no longer in ${d.expected.stream})`
        : JSON.stringify({ type: d.expected.message.type, headers: d.expected.message.headers, payload: d.expected.message.payload });
    lines.push(`  expected ${d.expected.messageId} → ${d.expected.stream}: ${shown}`);
  }
  if (d.actual !== undefined)
    lines.push(
      `  actual   ${d.actual.messageId} → ${d.actual.stream}: ${JSON.stringify({ type: d.actual.message.type, headers: d.actual.message.headers, payload: d.actual.message.payload })}`,
    );
  if (d.deadLetter !== undefined) lines.push(`  dead letter expected ${d.deadLetter.expected ?? 'none'}, actual ${d.deadLetter.actual ?? 'none'}`);
  return lines;
}

export function registerReplay(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('replay')
      .description(
        're-run a processor against its recorded inputs, clock and randomness (into memory://, never writing to the engine) and compare its outputs with the record; exit 7 at the first divergence',
      )
      .argument('<module>', 'JavaScript module that exports the processor (made by defineProcessor)')
      .requiredOption('--processor <name>', 'name of the processor to replay')
      .option('--from <id>', 'compare only inputs from this entry id on (earlier batches still run, to build the state)')
      .option('--to <id>', 'stop after the batch that holds this input entry id')
      .option('--state <key>', 'print the state of this key after the replay (repeatable)', collect, [])
      .option(
        '--shard <n>',
        'replay only this input shard (its position among the input streams; repeatable)',
        (v: string, prev: number[]) => [...prev, intArg('--shard', 0)(v)],
        [] as number[],
      )
      .option('--max-attempts <n>', 'attempts of a throwing handler, as the processor ran with (default 3)', intArg('--max-attempts', 1))
      .option('--json', 'print the report as one JSON object', false)
      .action(async (module: string, options: ReplayCliOptions, command: Command) => {
        for (const [flag, id] of [
          ['--from', options.from],
          ['--to', options.to],
        ] as const) {
          if (id !== undefined && !isStreamId(id)) throw usageError(`${flag} expects an entry id like 1700000000000-0, got ${JSON.stringify(id)}`);
        }
        const spec = await loadProcessor(module, options.processor);
        await withEngine(urlOf(command), async (engine) => {
          const into = new MemoryEngine();
          try {
            const report = await replay(engine, spec, {
              into,
              stateOf: options.state,
              ...(options.from === undefined ? {} : { from: options.from }),
              ...(options.to === undefined ? {} : { to: options.to }),
              ...(options.shard.length === 0 ? {} : { shards: options.shard }),
              ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
            });
            if (options.json) {
              await ctx.out.write(`${JSON.stringify(report)}\n`);
            } else {
              const lines = [
                `replayed ${plural(report.batches, 'batch', 'batches')}: ${plural(report.inputs, 'input')}, ${plural(report.outputs, 'output')}, ${plural(report.deadLettered, 'dead letter')} in ${report.durationMs} ms`,
              ];
              if (report.badLogEntries > 0) lines.push(`skipped ${plural(report.badLogEntries, 'log entry', 'log entries')} that cannot be read`);
              for (const [key, state] of Object.entries(report.states))
                lines.push(`state ${key}: ${state === undefined ? 'none (no message changed it)' : JSON.stringify(state)}`);
              lines.push(...(report.divergence === undefined ? ['identical to the record'] : describeDivergence(report.divergence)));
              await ctx.out.write(`${lines.join('\n')}\n`);
            }
            if (report.divergence !== undefined) {
              throw new StreamersonError(
                'ERR_STREAMERSON_REPLAY_DIVERGED',
                `replay of "${spec.name}" diverged at input ${report.divergence.inputId} of ${report.divergence.stream}: ${report.divergence.reason}`,
              );
            }
          } finally {
            await into.close();
          }
        });
      }),
    [
      'streamerson replay ./dist/processors.js --processor enrich',
      'streamerson replay ./dist/processors.js --processor totals --to 1700000000000-5 --state alice',
    ],
  );
}
