/**
 * `streamerson dlq ls|show|replay|purge <topic>`: the dead letters of a topic,
 * kept by services in `<topic>:dlq`.
 */
import type { Command } from 'commander';
import { decodeEntry, ProtocolError, type AppendItem, type Engine, type RawEntry } from '@streamerson/core';
import { parseDeadLetter, type DeadLetter } from '@streamerson/service';
import { intArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { toJson } from '../tap/render.js';
import { checkTopic, DEAD_LETTER_SUFFIX } from '../topics.js';

/** Dead letters read per round trip. */
const DLQ_PAGE = 500;

interface SelectOptions {
  readonly id?: string[];
  readonly count?: number;
}

/** The dead letters of `topic`, oldest first: those of `ids`, else up to `count`, else all. */
async function letters(engine: Engine, topic: string, options: SelectOptions): Promise<{ entry: RawEntry; letter: DeadLetter | undefined }[]> {
  const stream = topic + DEAD_LETTER_SUFFIX;
  const entries: RawEntry[] = [];
  if (options.id !== undefined) {
    for (const id of options.id) entries.push(...(await engine.range(stream, id, id, 1)));
  } else {
    let start = '-';
    const limit = options.count ?? Infinity;
    while (entries.length < limit) {
      const page = await engine.range(stream, start, '+', Math.min(DLQ_PAGE, limit - entries.length));
      entries.push(...page);
      if (page.length < DLQ_PAGE) break;
      start = `(${page.at(-1)!.id}`;
    }
  }
  return entries.map((entry) => ({ entry, letter: parseDeadLetter(entry) }));
}

function summary(entry: RawEntry, letter: DeadLetter | undefined): Record<string, unknown> {
  if (letter === undefined) return { id: entry.id, error: 'not a dead letter (no dlq.* fields)' };
  const { meta } = letter;
  const original = decodeEntry(meta.stream, letter.original);
  return {
    id: letter.id,
    failedAt: new Date(meta.failedAt).toISOString(),
    stream: meta.stream,
    entryId: meta.entryId,
    type: original instanceof ProtocolError ? null : original.type,
    errorCode: meta.errorCode,
    errorMessage: meta.errorMessage,
    deliveries: meta.deliveries,
    service: meta.service,
    group: meta.group,
    consumer: meta.consumer,
  };
}

function detail(entry: RawEntry, letter: DeadLetter | undefined): Record<string, unknown> {
  const base = summary(entry, letter);
  if (letter === undefined) return base;
  const original = decodeEntry(letter.meta.stream, letter.original);
  return {
    ...base,
    message: original instanceof ProtocolError
      ? { error: original.code, fields: letter.original.fields.map((f) => f.toString('utf8')) }
      : { id: original.id, type: original.type, headers: original.headers, replyTo: original.replyTo, payload: original.payload },
  };
}

async function deleteLetters(engine: Engine, stream: string, ids: readonly string[]): Promise<number> {
  return ids.length === 0 ? 0 : engine.deleteEntries(stream, ids);
}

function selectOptions(command: Command): Command {
  return command
    .option('--id <id...>', 'only these dead letters (their ids in the dead-letter stream)')
    .option('-n, --count <n>', 'at most this many, oldest first', intArg('--count'));
}

export function registerDlq(program: Command, ctx: CliContext): void {
  const dlq = program.command('dlq').description(`dead letters of a topic (the stream <topic>${DEAD_LETTER_SUFFIX})`);

  selectOptions(dlq.command('ls').description('one JSON line per dead letter: ids, error, deliveries, who gave up').argument('<topic>'))
    .action(async (topic: string, options: SelectOptions, command: Command) => {
      checkTopic(topic);
      await withEngine(urlOf(command), async (engine) => {
        const found = await letters(engine, topic, options);
        await ctx.out.write(found.map(({ entry, letter }) => toJson(summary(entry, letter)) + '\n').join(''));
      });
    });

  selectOptions(dlq.command('show').description('dead letters in full, with the original message decoded').argument('<topic>'))
    .action(async (topic: string, options: SelectOptions, command: Command) => {
      checkTopic(topic);
      await withEngine(urlOf(command), async (engine) => {
        const found = await letters(engine, topic, options);
        await ctx.out.write(found.map(({ entry, letter }) => toJson(detail(entry, letter)) + '\n').join(''));
      });
    });

  selectOptions(dlq.command('replay').description('append the original messages back to their streams, then delete the dead letters').argument('<topic>'))
    .action(async (topic: string, options: SelectOptions, command: Command) => {
      checkTopic(topic);
      await withEngine(urlOf(command), async (engine) => {
        const found = (await letters(engine, topic, options)).filter((f) => f.letter !== undefined);
        if (found.length === 0) return;
        const items: AppendItem[] = found.map(({ letter }) => ({
          stream: letter!.meta.stream === '' ? topic : letter!.meta.stream,
          fields: letter!.original.fields,
        }));
        // Append first, delete after: a failure in between replays a letter twice, never loses one.
        const ids = await engine.appendBatch(items);
        await deleteLetters(engine, topic + DEAD_LETTER_SUFFIX, found.map((f) => f.entry.id));
        await ctx.out.write(found.map((f, i) => toJson({ id: f.entry.id, stream: items[i]!.stream, newId: ids[i] }) + '\n').join(''));
      });
    });

  selectOptions(dlq.command('purge').description('delete dead letters (all of them unless --id or --count) and print how many').argument('<topic>'))
    .action(async (topic: string, options: SelectOptions, command: Command) => {
      checkTopic(topic);
      await withEngine(urlOf(command), async (engine) => {
        const stream = topic + DEAD_LETTER_SUFFIX;
        const removed = options.id === undefined && options.count === undefined
          ? await engine.length(stream).then(async (n) => (await engine.deleteStreams([stream]), n))
          : await deleteLetters(engine, stream, (await letters(engine, topic, options)).map((f) => f.entry.id));
        await ctx.out.write(`${removed}\n`);
      });
    });
}
