/** `streamerson request` and `publish`: one message to a service, with or without a reply. */
import type { Command } from 'commander';
import { TimeoutError, topicStreams, type Engine } from '@streamerson/core';
import { Client, DEFAULT_REQUEST_TIMEOUT_MS, RemoteError } from '@streamerson/service';
import { intArg, keyValueArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { notFound, usageError } from '../errors.js';
import { describeTopic } from '../inspect/describe.js';
import { formatAge, plural } from '../inspect/units.js';
import { toJson } from '../tap/render.js';
import { checkTopic, findStreams, shardOf, suggestion } from '../topics.js';

interface MessageOptions {
  readonly header?: Record<string, string>;
  readonly shards?: number;
  readonly timeout: number;
}

/** The payload argument: JSON, or null when omitted. */
function payloadArg(json: string | undefined): unknown {
  if (json === undefined) return null;
  try {
    return JSON.parse(json);
  } catch (cause) {
    throw usageError(`the payload must be JSON (quote strings: '"text"'): ${(cause as Error).message}`);
  }
}

/**
 * The shards of the topic a request goes to (`--shards`, else those that
 * exist), checked for someone to answer: the topic must exist and have a
 * consumer group, or nobody reads it — said at once (exit 6) instead of after
 * the timeout, and without creating the topic by writing to it.
 */
async function readersOf(engine: Engine, topic: string, shards: number | undefined): Promise<number> {
  const found = await findStreams(engine, topic, shards === undefined ? {} : { shards });
  const infos = await Promise.all(found.map((s) => engine.info(s)));
  if (infos.every((i) => i === null)) throw notFound(`nobody reads topic "${topic}": it does not exist${await suggestion(engine, topic)}`);
  if (infos.every((i) => (i?.groups.length ?? 0) === 0))
    throw notFound(`nobody reads topic "${topic}": it has no consumer group (no service ever started on it)`);
  return shards ?? shardCount(found);
}

/** The shard count of a topic stored in `streams` (1 for a topic without shards or streams). */
function shardCount(streams: readonly string[]): number {
  return Math.max(1, ...streams.map((s) => (shardOf(s) ?? 0) + 1));
}

/** What the groups of `topic` were doing when a request got no reply: a hint for the timeout's line. */
async function timeoutHint(engine: Engine, topic: string, shards: number): Promise<string> {
  const report = await describeTopic(engine, topic, topicStreams(topic, shards));
  return report.groups
    .map((g) => {
      const idle = g.consumers.length === 0 ? '' : `, last read ${formatAge(Math.min(...g.consumers.map((c) => c.idleMs)))} ago`;
      return `group "${g.name}": ${plural(g.consumers.length, 'consumer')}${idle}, ${g.pending} pending, ${g.lag ?? '?'} not yet read`;
    })
    .join('; ');
}

export function registerRequest(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('request')
      .description('send one request to a service and print its reply as JSON')
      .argument('<topic>', 'topic the service reads')
      .argument('<type>', 'message type')
      .argument('[json]', 'payload as JSON; null when omitted')
      .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
      .option('--shards <n>', 'shards of the topic (found by listing when omitted)', intArg('--shards'))
      .option('--timeout <ms>', 'how long to wait for the reply', intArg('--timeout'), DEFAULT_REQUEST_TIMEOUT_MS)
      .action(async (topic: string, type: string, json: string | undefined, options: MessageOptions, command: Command) => {
        checkTopic(topic);
        const payload = payloadArg(json);
        await withEngine(urlOf(command), async (engine) => {
          const shards = await readersOf(engine, topic, options.shards);
          const client = new Client(engine);
          try {
            const reply = await client.request(topic, type, payload, {
              timeout: options.timeout,
              shards,
              signal: ctx.lifecycle.signal,
              ...(options.header === undefined ? {} : { headers: options.header }),
            });
            await ctx.out.write(`${toJson(reply)}\n`);
          } catch (error) {
            // The error reply itself is data a script may want: JSON on stderr before the coded line.
            if (error instanceof RemoteError) {
              note(ctx, toJson({ status: error.status, code: error.errorCode, message: error.message, details: error.details }));
            }
            if (error instanceof TimeoutError) throw new TimeoutError(`${error.message} (${await timeoutHint(engine, topic, shards)})`, error.timeoutMs);
            throw error;
          } finally {
            await client.close();
          }
        });
      }),
    [
      'streamerson request orders order.get \'{"id":42}\' | jq .status',
      'streamerson request orders order.create \'{"sku":"A-1"}\' -H tenant=acme --timeout 2000',
    ],
  );
}

export function registerPublish(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('publish')
      .description('send one one-way message (no reply) and print its entry id')
      .argument('<topic>', 'topic to write to')
      .argument('<type>', 'message type')
      .argument('[json]', 'payload as JSON; null when omitted')
      .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
      .option('--shards <n>', 'shards of the topic, written round-robin (found by listing when omitted; 1 for a new topic)', intArg('--shards'))
      .action(async (topic: string, type: string, json: string | undefined, options: Omit<MessageOptions, 'timeout'>, command: Command) => {
        checkTopic(topic);
        const payload = payloadArg(json);
        await withEngine(urlOf(command), async (engine) => {
          const client = new Client(engine);
          try {
            const id = await client.publish(topic, type, payload, {
              shards: options.shards ?? shardCount(await findStreams(engine, topic)),
              ...(options.header === undefined ? {} : { headers: options.header }),
            });
            await ctx.out.write(`${id}\n`);
          } finally {
            await client.close();
          }
        });
      }),
    ['streamerson publish orders order.cancelled \'{"id":42}\''],
  );
}
