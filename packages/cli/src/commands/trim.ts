/** `streamerson trim <topic>`: drop old entries of every shard by count, id or age. */
import type { Command } from 'commander';
import { isStreamId, streamIdFromTime, type Retention } from '@streamerson/core';
import { parseDuration } from '../args/duration.js';
import { intArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { usageError } from '../errors.js';
import { existingStreams, shardOption } from '../topics.js';

interface TrimOptions {
  readonly maxlen?: number;
  readonly minid?: string;
  readonly olderThan?: string;
  readonly approximate: boolean;
  readonly shards?: number;
  readonly shard?: number;
}

/** The retention of the options; exactly one of the three must be given. */
function retentionOf(options: TrimOptions, now = Date.now()): Retention {
  const given = [options.maxlen, options.minid, options.olderThan].filter((o) => o !== undefined).length;
  if (given !== 1) throw usageError('give exactly one of --maxlen, --minid and --older-than');
  const approximate = options.approximate;
  if (options.maxlen !== undefined) return { maxLen: options.maxlen, approximate };
  if (options.minid !== undefined) {
    if (!isStreamId(options.minid)) throw usageError(`--minid expects an entry id like 1700000000000-0, got ${JSON.stringify(options.minid)}`);
    return { minId: options.minid, approximate };
  }
  return { minId: streamIdFromTime(Math.max(0, now - parseDuration(options.olderThan!, '--older-than'))), approximate };
}

export function registerTrim(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('trim')
      .description('remove old entries from every shard of a topic and print how many were removed')
      .argument('<topic>', 'topic to trim')
      .option('--maxlen <n>', 'keep at most this many entries per shard', intArg('--maxlen', 0))
      .option('--minid <id>', 'remove entries with ids below this one')
      .option('--older-than <duration>', 'remove entries older than this (like 1h or 7d)')
      .option('--approximate', 'let the engine remove whole nodes only (much cheaper; keeps up to one node, 100 entries by default, more per shard)', false)
      .option('--shards <n>', 'shards of the topic (found by listing when omitted)', intArg('--shards'))
      .addOption(shardOption())
      .action(async (topic: string, options: TrimOptions, command: Command) => {
        const retention = retentionOf(options);
        await withEngine(urlOf(command), async (engine) => {
          const streams = await existingStreams(engine, topic, options);
          const removed = await Promise.all(streams.map((s) => engine.trim(s, retention)));
          await ctx.out.write(`${removed.reduce((a, b) => a + b, 0)}\n`);
        });
      }),
    ['streamerson trim orders --maxlen 100000 --approximate', 'streamerson trim orders --older-than 7d', "streamerson trim 'orders#2' --maxlen 1000"],
  );
}
