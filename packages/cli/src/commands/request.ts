/** `streamerson request` and `publish`: one message to a service, with or without a reply. */
import type { Command } from 'commander';
import { TimeoutError, type Engine } from '@streamerson/core';
import { Client, DEFAULT_REQUEST_TIMEOUT_MS, RemoteError } from '@streamerson/service';
import { intArg, keyValueArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { notFound, usageError } from '../errors.js';
import { describeTopic } from '../inspect/describe.js';
import { formatAge, plural } from '../inspect/units.js';
import { toJson } from '../tap/render.js';
import { shardOption, suggestion, targetStreams, writeName, writeTarget, type TopicName, type WriteTarget } from '../topics.js';

interface MessageOptions {
  readonly header?: Record<string, string>;
  readonly shards?: number;
  readonly shard?: number;
  readonly key?: string;
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
 * Where a request goes (a topic's shards, or the one named), checked for
 * someone to answer: the stream must exist and have a consumer group, or
 * nobody reads it — said at once (exit 6) instead of after the timeout, and
 * without creating the topic by writing to it.
 */
async function readersOf(engine: Engine, name: TopicName, shards: number | undefined): Promise<WriteTarget> {
  const target = await writeTarget(engine, name, shards);
  const { topic } = target;
  const infos = await Promise.all(targetStreams(target).map((s) => engine.info(s)));
  if (infos.every((i) => i === null)) throw notFound(`nobody reads topic "${topic}": it does not exist${await suggestion(engine, topic)}`);
  if (infos.every((i) => (i?.groups.length ?? 0) === 0))
    throw notFound(`nobody reads topic "${topic}": it has no consumer group (no service ever started on it)`);
  return target;
}

/** The shard options of the Client for a target. */
function shardsOf(target: WriteTarget): { shards: number; shard?: number } {
  return target.shard === undefined ? { shards: target.shards } : { shards: target.shards, shard: target.shard };
}

/** What the groups of `topic` were doing when a request got no reply: a hint for the timeout's line. */
async function timeoutHint(engine: Engine, target: WriteTarget): Promise<string> {
  const report = await describeTopic(engine, target.topic, targetStreams(target));
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
      .argument('<topic>', 'topic the service reads, or one shard as topic#i')
      .argument('<type>', 'message type')
      .argument('[json]', 'payload as JSON; null when omitted')
      .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
      .option('--shards <n>', 'shards of the topic (found by listing when omitted)', intArg('--shards'))
      .addOption(shardOption())
      .option('--key <key>', 'send to the shard of this key (FNV-1a, as a Client with key does)')
      .option('--timeout <ms>', 'how long to wait for the reply', intArg('--timeout'), DEFAULT_REQUEST_TIMEOUT_MS)
      .action(async (topic: string, type: string, json: string | undefined, options: MessageOptions, command: Command) => {
        const name = writeName(topic, options);
        if (name.shard !== undefined && options.key !== undefined) throw usageError('--key picks the shard: give it or one shard, not both');
        const payload = payloadArg(json);
        await withEngine(urlOf(command), async (engine) => {
          const target = await readersOf(engine, name, options.shards);
          const client = new Client(engine);
          try {
            const reply = await client.request(target.topic, type, payload, {
              timeout: options.timeout,
              ...shardsOf(target),
              ...(options.key === undefined ? {} : { key: options.key }),
              signal: ctx.lifecycle.signal,
              ...(options.header === undefined ? {} : { headers: options.header }),
            });
            await ctx.out.write(`${toJson(reply)}\n`);
          } catch (error) {
            // The error reply itself is data a script may want: JSON on stderr before the coded line.
            if (error instanceof RemoteError) {
              note(ctx, toJson({ status: error.status, code: error.errorCode, message: error.message, details: error.details }));
            }
            if (error instanceof TimeoutError) throw new TimeoutError(`${error.message} (${await timeoutHint(engine, target)})`, error.timeoutMs);
            throw error;
          } finally {
            await client.close();
          }
        });
      }),
    [
      'streamerson request orders order.get \'{"id":42}\' | jq .status',
      'streamerson request orders order.create \'{"sku":"A-1"}\' -H tenant=acme --timeout 2000',
      'streamerson request carts cart.get \'{"user":"u-7"}\' --key u-7   # the shard that holds u-7',
    ],
  );
}

export function registerPublish(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('publish')
      .description('send one one-way message (no reply) and print its entry id')
      .argument('<topic>', 'topic to write to, or one shard as topic#i')
      .argument('<type>', 'message type')
      .argument('[json]', 'payload as JSON; null when omitted')
      .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
      .option('--shards <n>', 'shards of the topic, written round-robin (found by listing when omitted; 1 for a new topic)', intArg('--shards'))
      .addOption(shardOption())
      .action(async (topic: string, type: string, json: string | undefined, options: Omit<MessageOptions, 'timeout' | 'key'>, command: Command) => {
        const name = writeName(topic, options);
        const payload = payloadArg(json);
        await withEngine(urlOf(command), async (engine) => {
          const target = await writeTarget(engine, name, options.shards);
          const client = new Client(engine);
          try {
            const id = await client.publish(target.topic, type, payload, {
              ...shardsOf(target),
              ...(options.header === undefined ? {} : { headers: options.header }),
            });
            await ctx.out.write(`${id}\n`);
          } finally {
            await client.close();
          }
        });
      }),
    ['streamerson publish orders order.cancelled \'{"id":42}\'', "streamerson publish 'orders#2' order.cancelled '{\"id\":42}'"],
  );
}
