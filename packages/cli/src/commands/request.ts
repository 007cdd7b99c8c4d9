/** `streamerson request` and `publish`: one message to a service, with or without a reply. */
import type { Command } from 'commander';
import { Client, DEFAULT_REQUEST_TIMEOUT_MS, RemoteError } from '@streamerson/service';
import { intArg, keyValueArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { usageError } from '../errors.js';
import { toJson } from '../tap/render.js';
import { checkTopic } from '../topics.js';

interface MessageOptions {
  readonly header?: Record<string, string>;
  readonly shards: number;
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

export function registerRequest(program: Command, ctx: CliContext): void {
  program
    .command('request')
    .description('send one request to a service and print its reply as JSON')
    .argument('<topic>', 'topic the service reads')
    .argument('<type>', 'message type')
    .argument('[json]', 'payload as JSON; null when omitted')
    .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
    .option('--shards <n>', 'shards of the topic', intArg('--shards'), 1)
    .option('--timeout <ms>', 'how long to wait for the reply', intArg('--timeout'), DEFAULT_REQUEST_TIMEOUT_MS)
    .action(async (topic: string, type: string, json: string | undefined, options: MessageOptions, command: Command) => {
      checkTopic(topic);
      const payload = payloadArg(json);
      await withEngine(urlOf(command), async (engine) => {
        const client = new Client(engine);
        try {
          const reply = await client.request(topic, type, payload, {
            timeout: options.timeout,
            shards: options.shards,
            signal: ctx.lifecycle.signal,
            ...(options.header === undefined ? {} : { headers: options.header }),
          });
          await ctx.out.write(toJson(reply) + '\n');
        } catch (error) {
          // The error reply itself is data a script may want: JSON on stderr before the coded line.
          if (error instanceof RemoteError) {
            note(ctx, toJson({ status: error.status, code: error.errorCode, message: error.message, details: error.details }));
          }
          throw error;
        } finally {
          await client.close();
        }
      });
    });
}

export function registerPublish(program: Command, ctx: CliContext): void {
  program
    .command('publish')
    .description('send one one-way message (no reply) and print its entry id')
    .argument('<topic>', 'topic to write to')
    .argument('<type>', 'message type')
    .argument('[json]', 'payload as JSON; null when omitted')
    .option('-H, --header <key=value>', 'a header (repeatable)', keyValueArg('--header'))
    .option('--shards <n>', 'shards of the topic (round-robin)', intArg('--shards'), 1)
    .action(async (topic: string, type: string, json: string | undefined, options: Omit<MessageOptions, 'timeout'>, command: Command) => {
      checkTopic(topic);
      const payload = payloadArg(json);
      await withEngine(urlOf(command), async (engine) => {
        const client = new Client(engine);
        try {
          const id = await client.publish(topic, type, payload, {
            shards: options.shards,
            ...(options.header === undefined ? {} : { headers: options.header }),
          });
          await ctx.out.write(id + '\n');
        } finally {
          await client.close();
        }
      });
    });
}
