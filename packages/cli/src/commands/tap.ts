/** `streamerson tap <topic…>`: messages of topics to stdout (or a named pipe) as NDJSON, text or CSV. */
import { Option, type Command } from 'commander';
import type { Engine, StreamEntries } from '@streamerson/core';
import { afterIdOf, DEFAULT_FROM, parseFrom, type FromSpec } from '../args/from.js';
import { intArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { usageError } from '../errors.js';
import { createFifo } from '../io/fifo.js';
import { Output } from '../io/output.js';
import { createFormatter, OUTPUT_FORMATS, type OutputFormat } from '../tap/formats.js';
import { decodeItem } from '../tap/render.js';
import { groupBatches, plainBatches } from '../tap/source.js';
import { streamsOfTopic } from '../topics.js';

interface TapOptions {
  readonly from: string;
  readonly follow: boolean;
  readonly count?: number;
  readonly group?: string;
  readonly consumer?: string;
  readonly format: OutputFormat;
  readonly payloadOnly: boolean;
  readonly shards?: number;
  readonly fifo?: string;
}

/** Where a group tap starts when it creates the group: the id to deliver after. */
async function groupStartOf(from: FromSpec, engine: Engine, stream: string): Promise<string> {
  return from.kind === 'latest' ? '$' : afterIdOf(from, engine, stream);
}

async function tap(ctx: CliContext, engine: Engine, out: Output, topics: readonly string[], options: TapOptions, follow: boolean): Promise<void> {
  const from = parseFrom(options.from);
  const streams = (await Promise.all(topics.map((t) => streamsOfTopic(engine, t, options.shards)))).flat();
  const { signal } = ctx.lifecycle;
  const group = options.group;
  let left = options.count ?? Infinity;
  const wanted = () => left;
  let source: AsyncGenerator<StreamEntries[]>;
  if (group !== undefined) {
    for (const stream of streams) await engine.createGroup(stream, group, await groupStartOf(from, engine, stream));
    source = groupBatches(engine, streams, group, options.consumer!, { follow, signal, wanted });
  } else {
    const after = new Map<string, string>();
    for (const stream of streams) after.set(stream, await afterIdOf(from, engine, stream));
    source = plainBatches(engine, after, { follow, signal, wanted });
  }
  const formatter = createFormatter(options.format, options.payloadOnly);
  for await (const batches of source) {
    let text = '';
    const written: { stream: string; ids: string[] }[] = [];
    for (const { stream, entries } of batches) {
      const ids: string[] = [];
      for (const entry of entries) {
        if (left <= 0) break;
        for (const line of formatter.lines(decodeItem(stream, entry))) text += line + '\n';
        ids.push(entry.id);
        left--;
      }
      written.push({ stream, ids });
    }
    if (group === undefined) {
      await out.writeFast(text);
    } else {
      // Acknowledge only what reached the reader: a tap that dies mid-write leaves the rest pending.
      await out.write(text);
      if (out.gone) break;
      for (const { stream, ids } of written) if (ids.length > 0) await engine.ack(stream, group, ids);
    }
    if (left <= 0 || out.gone) break;
  }
}

export function registerTap(program: Command, ctx: CliContext): void {
  program
    .command('tap')
    .description('write the messages of topics to stdout, one line each')
    .argument('<topics...>', 'topics to read (all their shards)')
    .option('--from <where>', 'beginning, latest, an entry id, an ISO time or a duration back like 5m', DEFAULT_FROM)
    .option('-f, --follow', 'keep waiting for new messages', false)
    .option('-n, --count <n>', 'stop after this many messages', intArg('--count'))
    .option('--group <group>', 'read as a member of this consumer group (created when missing), acknowledging what was written')
    .option('--consumer <name>', 'consumer name within --group')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('ndjson'))
    .option('-p, --payload-only', 'write the payload alone instead of the envelope', false)
    .option('--shards <n>', 'shards of the topics (found by listing when omitted)', intArg('--shards'))
    .option('--fifo <path>', 'create this named pipe and write into it until stopped (implies --follow)')
    .action(async (topics: string[], options: TapOptions, command: Command) => {
      if ((options.group === undefined) !== (options.consumer === undefined)) throw usageError('--group and --consumer go together');
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
}
