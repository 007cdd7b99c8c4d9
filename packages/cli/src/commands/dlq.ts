/**
 * `streamerson dlq ls|show|replay|purge <topic>`: the dead letters of a topic,
 * kept by services in `<topic>:dlq`, through the service package's
 * {@link DeadLetters}.
 */
import { Option, type Command } from 'commander';
import { decodeEntry, ProtocolError, StreamersonError, type Engine } from '@streamerson/core';
import { DeadLetters, DEFAULT_DEAD_LETTER_PAGE, DEFAULT_REPLAY_TIMEOUT_MS, type DeadLetter, type ReplayAs } from '@streamerson/service';
import { intArg, listArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { notFound } from '../errors.js';
import { listWas } from '../inspect/units.js';
import { examples } from '../help.js';
import { textOrBytes } from '../io/bytes.js';
import { toJson } from '../tap/render.js';
import { checkTopic, findStreams, suggestion } from '../topics.js';

interface SelectOptions {
  readonly id?: string[];
  readonly count?: number;
}

const REPLAY_AS: readonly ReplayAs[] = ['request', 'event'];

interface ReplayCliOptions extends SelectOptions {
  readonly as: ReplayAs;
  readonly timeout: number;
}

/** A replay the engine did not complete: the engine's error code (exit 1), the letters concerned and why. */
function replayFailed(message: string, cause: unknown): StreamersonError {
  const code = cause instanceof StreamersonError ? cause.code : 'ERR_STREAMERSON_ENGINE';
  return new StreamersonError(code, `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

/** A topic that has neither dead letters nor streams does not exist (exit 6, with a close match). */
async function checkExists(engine: Engine, letters: DeadLetters, topic: string): Promise<void> {
  if ((await letters.count()) === 0 && (await findStreams(engine, topic)).length === 0) {
    throw notFound(`topic "${topic}" does not exist and has no dead letters${await suggestion(engine, topic)}`);
  }
}

/** The dead letters of `topic`, oldest first: those of `--id` (each must exist), else the oldest `--count`, else all. */
async function select(letters: DeadLetters, options: SelectOptions): Promise<DeadLetter[]> {
  if (options.id !== undefined) {
    const found = await Promise.all(options.id.map((id) => letters.get(id)));
    const missing = options.id.filter((_, i) => found[i] === undefined);
    if (missing.length > 0) throw notFound(`no dead letter ${missing.join(', ')} in ${letters.stream}`);
    return found as DeadLetter[];
  }
  const out: DeadLetter[] = [];
  const limit = options.count ?? Infinity;
  let after: string | undefined;
  while (out.length < limit) {
    const page = await letters.list({ count: Math.min(DEFAULT_DEAD_LETTER_PAGE, limit - out.length), ...(after === undefined ? {} : { after }) });
    if (page.length === 0) break;
    out.push(...page);
    after = page.at(-1)!.id;
  }
  return out;
}

function summary(letter: DeadLetter): Record<string, unknown> {
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

function detail(letter: DeadLetter): Record<string, unknown> {
  const original = decodeEntry(letter.meta.stream, letter.original);
  return {
    ...summary(letter),
    message:
      original instanceof ProtocolError
        ? { error: original.code, fields: letter.original.fields.map((f) => textOrBytes(f, 'base64')) }
        : { id: original.id, type: original.type, headers: original.headers, replyTo: original.replyTo, payload: original.payload },
  };
}

function selectOptions(command: Command): Command {
  return command
    .argument('<topic>', 'topic whose dead letters to use')
    .option('--id <ids>', 'only these dead letters (ids in the dead-letter stream, comma-separated; repeatable)', listArg('--id'))
    .option('-n, --count <n>', 'at most this many, oldest first', intArg('--count'));
}

type Run = (letters: DeadLetters, selected: () => Promise<DeadLetter[]>, options: SelectOptions) => Promise<string>;

function action(ctx: CliContext, run: Run) {
  return async (topic: string, options: SelectOptions, command: Command) => {
    checkTopic(topic);
    await withEngine(urlOf(command), async (engine) => {
      const letters = new DeadLetters(engine, topic);
      await checkExists(engine, letters, topic);
      await ctx.out.write(await run(letters, () => select(letters, options), options));
    });
  };
}

const lines = (values: readonly unknown[]): string => values.map((v) => `${toJson(v)}\n`).join('');

export function registerDlq(program: Command, ctx: CliContext): void {
  const dlq = examples(program.command('dlq').description('dead letters of a topic (the stream <topic>:dlq)'), [
    'streamerson dlq ls orders',
    'streamerson dlq replay orders --count 10',
    'streamerson dlq purge orders',
  ]);

  examples(
    selectOptions(dlq.command('ls').description('one JSON line per dead letter: ids, error, deliveries, who gave up')).action(
      action(ctx, async (_letters, selected) => lines((await selected()).map(summary))),
    ),
    ["streamerson dlq ls orders | jq -r '.errorCode' | sort | uniq -c"],
  );

  examples(
    selectOptions(dlq.command('show').description('dead letters in full, with the original message decoded')).action(
      action(ctx, async (_letters, selected) => lines((await selected()).map(detail))),
    ),
    ['streamerson dlq show orders --count 1'],
  );

  examples(
    selectOptions(dlq.command('replay').description('append the original messages back to their streams, then delete the dead letters'))
      .addOption(new Option('--as <kind>', 'a request with a new deadline, or an event (no reply-to, no deadline)').choices(REPLAY_AS).default('request'))
      .option('--timeout <ms>', 'time a replayed request has before its new deadline', intArg('--timeout'), DEFAULT_REPLAY_TIMEOUT_MS)
      .action(
        action(ctx, async (letters, selected, options) => {
          const { as, timeout } = options as ReplayCliOptions;
          const result = await letters.replay(
            (await selected()).map((l) => l.id),
            { as, timeoutMs: timeout },
          );
          await ctx.out.write(lines(result.replayed.map((r) => ({ id: r.letter, stream: r.stream, newId: r.id }))));
          const kept = result.failed.filter((f) => f.stage === 'append');
          const named = (failed: typeof kept): string =>
            listWas(
              failed.map((f) => f.letter),
              'dead letter',
            );
          if (kept.length > 0) throw replayFailed(`${named(kept)} not replayed (kept in the dead-letter stream)`, kept[0]!.error);
          const listed = result.failed.filter((f) => f.stage === 'delete');
          if (listed.length > 0) throw replayFailed(`${named(listed)} replayed but could not be deleted (do not replay again)`, listed[0]!.error);
          if (result.missing.length > 0) throw notFound(`${listWas(result.missing, 'dead letter')} gone while replaying (replayed or purged by someone else)`);
          return '';
        }),
      ),
    [
      'streamerson dlq replay orders --count 10',
      'streamerson dlq replay --id 1700000000000-0,1700000000001-0 orders --timeout 30000',
      'streamerson dlq replay orders --as event',
    ],
  );

  examples(
    selectOptions(dlq.command('purge').description('delete dead letters (all of them unless --id or --count) and print how many')).action(
      action(ctx, async (letters, selected, options) => {
        // Every letter at once (the stream deleted) without listing them.
        const all = options.id === undefined && options.count === undefined;
        return `${all ? await letters.purge() : await letters.purge((await selected()).map((l) => l.id))}\n`;
      }),
    ),
    ['streamerson dlq purge orders --id 1700000000000-0'],
  );
}
