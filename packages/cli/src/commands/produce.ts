/** `streamerson produce <topic> [file]`: lines of NDJSON, CSV or text become messages. */
import type { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import type { AppendItem, Engine } from '@streamerson/core';
import { intArg, positiveArg } from '../args/numbers.js';
import { urlOf, note, type CliContext, type TermReadable } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { BadInputError, usageError } from '../errors.js';
import { fileError, isSystemError, openInput } from '../io/files.js';
import { plural } from '../inspect/units.js';
import { MessageEncoder } from '../produce/encoder.js';
import { INPUT_FORMATS, readInput, type InputFormat } from '../produce/formats.js';
import { startProgress } from '../produce/progress.js';
import { BatchWriter, DEFAULT_BATCH_SIZE, DEFAULT_IN_FLIGHT } from '../produce/writer.js';
import { nameText, shardOption, writeName, writeTarget, type TopicName, type WriteTarget } from '../topics.js';

export interface ProduceOptions {
  readonly format: InputFormat;
  readonly type: string;
  readonly key?: string;
  readonly shards?: number;
  readonly shard?: number;
  readonly rate?: number;
  readonly skipBad: boolean;
  readonly batch: number;
  readonly inFlight: number;
  readonly quiet: boolean;
}

/** Counts of one produce run, for the summary. */
export interface ProduceSummary {
  /** Where the messages went. */
  readonly target: WriteTarget;
  readonly written: number;
  readonly skipped: number;
  readonly stoppedAt: BadInputError | undefined;
  readonly seconds: number;
}

/** Reads `input` and writes it to `topic`; stops at the first bad line unless `skipBad`. Shared with `flux`. */
export async function produceFrom(ctx: CliContext, engine: Engine, name: TopicName, input: Readable, options: ProduceOptions): Promise<ProduceSummary> {
  const started = performance.now();
  const target = await writeTarget(engine, name, options.shards);
  const encoder = new MessageEncoder({ ...target, type: options.type, keyField: options.key });
  const writer = new BatchWriter(engine, {
    batchSize: options.batch,
    inFlight: options.inFlight,
    rate: options.rate,
    signal: ctx.lifecycle.signal,
  });
  // No progress line over what someone types at a terminal.
  const progress = options.quiet || (input as TermReadable).isTTY === true ? undefined : startProgress(ctx.stderr, () => writer.written);
  let skipped = 0;
  let stoppedAt: BadInputError | undefined;
  try {
    read: for await (const items of readInput(options.format, input, encoder, ctx.lifecycle.signal)) {
      let good: AppendItem[] = [];
      for (const item of items) {
        if (!(item instanceof BadInputError)) {
          good.push(item);
          continue;
        }
        await writer.push(good);
        good = [];
        if (!options.skipBad) {
          stoppedAt = item;
          break read;
        }
        skipped++;
        note(ctx, `streamerson: skipped ${item.code}: ${item.message}`);
      }
      await writer.push(good);
      await writer.send();
    }
    await writer.flush();
  } finally {
    progress?.stop();
  }
  return { target, written: writer.written, skipped, stoppedAt, seconds: (performance.now() - started) / 1000 };
}

/** The name `produce` and `flux` write to; a key routes nothing when one shard is named. */
export function checkedWriteName(topic: string, options: Pick<ProduceOptions, 'key' | 'shards' | 'shard'>): TopicName {
  const name = writeName(topic, options);
  if (name.shard !== undefined && options.key !== undefined) throw usageError('--key picks a shard for each message: give it or one shard, not both');
  return name;
}

/** The summary line on stderr. */
export function summaryLine(s: ProduceSummary): string {
  const rate = s.seconds > 0 ? Math.round(s.written / s.seconds) : s.written;
  let text = `produced ${plural(s.written, 'message')} to ${nameText(s.target)} in ${s.seconds.toFixed(2)} s (${rate} msg/s)`;
  if (s.skipped > 0) text += `, skipped ${plural(s.skipped, 'bad line')}`;
  if (s.stoppedAt !== undefined) text += `; stopped at bad line ${s.stoppedAt.line}, the messages before it were written`;
  return text;
}

export function registerProduce(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('produce')
      .description('write lines from stdin or a file to a topic, one message per line')
      .argument('<topic>', 'topic to write to, or one shard as topic#i')
      .argument('[file]', 'file to read; stdin when omitted or "-"')
      .addOption(new Option('--format <format>', 'input format').choices(INPUT_FORMATS).default('ndjson'))
      .option('--type <type>', 'message type of lines that carry none', '')
      .option('--key <field>', 'payload field (dotted path) whose value routes the message to a shard')
      .option('--shards <n>', 'shards of the topic (found by listing when omitted; 1 for a new topic)', intArg('--shards'))
      .addOption(shardOption())
      .option('--rate <n>', 'at most this many messages per second', positiveArg('--rate'))
      .option('--skip-bad', 'report malformed lines and go on instead of stopping', false)
      .option('--batch <n>', 'messages per pipelined batch', intArg('--batch'), DEFAULT_BATCH_SIZE)
      .option('--in-flight <n>', 'batches in flight at once', intArg('--in-flight'), DEFAULT_IN_FLIGHT)
      .option('-q, --quiet', 'no progress line and no summary', false)
      .action(async (topic: string, file: string | undefined, options: ProduceOptions, command: Command) => {
        const name = checkedWriteName(topic, options);
        const fromFile = file !== undefined && file !== '-';
        const input = fromFile ? await openInput(file) : ctx.stdin;
        if (!fromFile && ctx.stdin.isTTY === true && !options.quiet)
          note(ctx, `streamerson: reading lines for ${nameText(name)} from the terminal; Ctrl-D ends`);
        const summary = await withEngine(urlOf(command), (engine) => produceFrom(ctx, engine, name, input, options)).catch((error: unknown) => {
          throw fromFile && isSystemError(error) ? fileError('cannot read', file, error) : error;
        });
        if (!options.quiet) note(ctx, summaryLine(summary));
        if (summary.stoppedAt !== undefined) throw summary.stoppedAt;
      }),
    [
      'streamerson produce orders orders.ndjson --type order.created --shards 4 --key customer',
      'streamerson produce people --format csv < people.csv',
      "streamerson produce 'orders#2' replayed.ndjson   # or: produce orders --shard 2 replayed.ndjson",
      'tail -F app.log | streamerson produce logs --format text --rate 500',
      'streamerson tap orders | streamerson produce orders-copy   # envelopes, bytes and all',
    ],
  );
}
