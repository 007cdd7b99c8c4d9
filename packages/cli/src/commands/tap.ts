/** `streamerson tap <topic…>`: messages of topics to stdout (or a named pipe) as NDJSON, text or CSV. */
import { Option, type Command } from 'commander';
import type { Engine, StreamEntries } from '@streamerson/core';
import { DEFAULT_FROM, parseFrom, startPositions, type FromSpec } from '../args/from.js';
import { intArg, listArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { usageError } from '../errors.js';
import { examples } from '../help.js';
import { BYTES_STYLES, type BytesStyle } from '../io/bytes.js';
import { createFifo } from '../io/fifo.js';
import { Output } from '../io/output.js';
import { createFormatter, OUTPUT_FORMATS, payloadCells, type OutputFormat } from '../tap/formats.js';
import { decodeItem } from '../tap/render.js';
import { groupBatches, plainBatches, TopicWatch } from '../tap/source.js';
import { existingStreams, findStreams, parseTopicName, shardOption } from '../topics.js';

interface TapOptions {
  readonly from: string;
  readonly last?: number;
  readonly follow: boolean;
  readonly count?: number;
  readonly group?: string;
  readonly consumer?: string;
  readonly format: OutputFormat;
  readonly fields?: string[];
  readonly payloadOnly: boolean;
  readonly raw: boolean;
  readonly bytes: BytesStyle;
  readonly shards?: number;
  readonly shard?: number;
  readonly fifo?: string;
}

/** The streams of each name, and a watch per name for streams that appear while following. */
async function resolve(
  ctx: CliContext,
  engine: Engine,
  names: readonly string[],
  options: TapOptions,
  follow: boolean,
): Promise<{ streams: string[]; watches: TopicWatch[] }> {
  const selection = { ...(options.shards === undefined ? {} : { shards: options.shards }), ...(options.shard === undefined ? {} : { shard: options.shard }) };
  const streams: string[] = [];
  const watches: TopicWatch[] = [];
  for (const name of names) {
    // Without --follow a name must exist; with it, a topic that does not exist yet is waited for.
    const found = follow ? await findStreams(engine, name, selection) : await existingStreams(engine, name, selection);
    if (found.length === 0) note(ctx, `streamerson: topic "${name}" does not exist yet; waiting for it`);
    streams.push(...found);
    watches.push(new TopicWatch(name, found, options.shards !== undefined || parseTopicName(name, options.shard).shard !== undefined));
  }
  return { streams: [...new Set(streams)], watches };
}

/**
 * The CSV columns of a run that reads a finite range: the payload fields of
 * every entry in it, found by a first pass over the same range, which also
 * fixes where each stream ends so that both passes see the same entries.
 */
async function csvColumns(
  engine: Engine,
  after: ReadonlyMap<string, string>,
  options: TapOptions,
  signal: AbortSignal,
): Promise<{ columns: string[]; until: Map<string, string> }> {
  const columns = new Set<string>();
  const until = new Map<string, string>();
  let left = options.count ?? Infinity;
  for await (const batches of plainBatches(engine, after, { follow: false, signal, wanted: () => left })) {
    for (const { stream, entries } of batches) {
      for (const entry of entries) {
        if (left <= 0) break;
        for (const c of payloadCells(decodeItem(stream, entry, options.raw), options.bytes).keys()) columns.add(c);
        until.set(stream, entry.id);
        left--;
      }
    }
    if (left <= 0) break;
  }
  return { columns: [...columns], until };
}

async function tap(ctx: CliContext, engine: Engine, out: Output, names: readonly string[], options: TapOptions, follow: boolean): Promise<void> {
  const from: FromSpec = options.last === undefined ? parseFrom(options.from) : { kind: 'last', count: options.last };
  const { signal } = ctx.lifecycle;
  const { streams, watches } = await resolve(ctx, engine, names, options, follow);
  const after = await startPositions(from, engine, streams);
  const group = options.group;
  let left = options.count ?? Infinity;
  const source = { follow, signal, wanted: () => left };
  const formatOptions = { payloadOnly: options.payloadOnly, bytes: options.bytes };
  let formatter = createFormatter(options.format, formatOptions, options.fields, options.fields !== undefined);
  let batches: AsyncGenerator<StreamEntries[]>;
  if (group !== undefined) {
    // The group is created at the start position on the streams that exist; nothing is created by looking.
    for (const stream of streams) await engine.createGroup(stream, group, after.get(stream)!);
    batches = groupBatches(engine, streams, group, options.consumer!, source, watches);
  } else if (options.format === 'csv' && options.fields === undefined && !follow) {
    const { columns, until } = await csvColumns(engine, after, options, signal);
    formatter = createFormatter('csv', formatOptions, columns);
    batches = plainBatches(engine, after, { ...source, until });
  } else {
    batches = plainBatches(engine, after, source, watches);
  }
  for await (const read of batches) {
    const texts: string[] = [];
    const written: { stream: string; id: string }[] = [];
    for (const { stream, entries } of read) {
      for (const entry of entries) {
        if (texts.length >= left) break;
        texts.push(formatter.text(decodeItem(stream, entry, options.raw)));
        written.push({ stream, id: entry.id });
      }
    }
    const done = await out.writeAll(texts, signal);
    left -= done;
    // Acknowledge only what reached the reader: a tap stopped mid-batch leaves the rest pending.
    if (group !== undefined && done > 0) {
      const byStream = new Map<string, string[]>();
      for (const { stream, id } of written.slice(0, done)) byStream.set(stream, [...(byStream.get(stream) ?? []), id]);
      for (const [stream, ids] of byStream) await engine.ack(stream, group, ids);
    }
    if (done < texts.length || left <= 0 || out.gone) break;
  }
}

export function registerTap(program: Command, ctx: CliContext): void {
  const command = program
    .command('tap')
    .description('write the messages of topics to stdout, one line each')
    .argument('<topics...>', 'topics to read (all their shards), or one shard as topic#i')
    .option('--from <where>', 'beginning, latest (or end), -N for the last N, an entry id, an ISO time or a duration back like 5m', DEFAULT_FROM)
    .option('--last <n>', 'the last n messages (over all shards), then what follows: --from -n', intArg('--last', 0))
    .option('-f, --follow', 'keep waiting for new messages (and for the topic, when it does not exist yet)', false)
    .option('-n, --count <n>', 'stop after this many messages', intArg('--count'))
    .option('--group <group>', 'read as a member of this consumer group (created at --from when missing), acknowledging what was written')
    .option('--consumer <name>', 'consumer name within --group')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('ndjson'))
    .option('--fields <a,b,c>', 'CSV columns: these payload fields (default: every field the messages have)', listArg('--fields'))
    .option('-p, --payload-only', 'write the payload alone instead of the envelope', false)
    .option('--raw', 'every entry as its fields, name and value in order, even a Streamerson message', false)
    .addOption(
      new Option('--bytes <style>', 'bytes that are not UTF-8 as {"$base64"}, {"$hex"} or {"$escaped"} (\\xNN)').choices(BYTES_STYLES).default('base64'),
    )
    .option('--shards <n>', 'shards of the topics (found by listing when omitted)', intArg('--shards'))
    .addOption(shardOption())
    .option('--fifo <path>', 'create this named pipe and write into it until stopped (implies --follow)')
    .action(async (topics: string[], options: TapOptions, command: Command) => {
      if ((options.group === undefined) !== (options.consumer === undefined)) throw usageError('--group and --consumer go together');
      if (options.last !== undefined && command.getOptionValueSource('from') === 'cli') throw usageError('give --from or --last, not both');
      if (options.fields !== undefined && options.format !== 'csv') throw usageError('--fields goes with --format csv');
      parseFrom(options.from);
      await withEngine(urlOf(command), async (engine) => {
        if (options.fifo === undefined) return tap(ctx, engine, ctx.out, topics, options, options.follow);
        const fifo = await createFifo(options.fifo, 'write');
        try {
          // Nobody else stops a FIFO tap: the reader side never goes away while we hold it.
          await tap(ctx, engine, new Output(fifo.socket, () => undefined), topics, options, true);
        } finally {
          fifo.remove();
        }
      });
    });
  examples(command, [
    "streamerson tap orders -p | jq -c 'select(.qty > 1)'",
    'streamerson tap orders payments --from 15m --follow',
    'streamerson tap orders --last 10',
    "streamerson tap 'orders#2' --from end -f",
    'streamerson tap orders --from 2026-05-01T00:00:00Z --count 100 --format csv -p > orders.csv',
    'streamerson tap orders --group audit --consumer cli-1 --follow >> audit.ndjson',
    'streamerson tap foreign --raw --bytes escape',
  ]);
}
