/**
 * `streamerson relay --from <url>/<topic> --to <url>/<topic>`: copies a topic
 * between two engines, keeping entry ids. Because ids are kept, the target's
 * last id is exactly how far a previous run got: a relay resumes there, and
 * can never copy an entry twice.
 */
import type { Command } from 'commander';
import { compareStreamIds, isStreamId, MIN_STREAM_ID, previousStreamId, type Engine } from '@streamerson/core';
import { parseEndpoint, type Endpoint } from '../args/endpoint.js';
import { note, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { usageError } from '../errors.js';
import { plural } from '../inspect/units.js';
import { startProgress } from '../produce/progress.js';
import { plainBatches } from '../tap/source.js';
import { existingStreams, nameText, shardOption } from '../topics.js';

interface RelayOptions {
  readonly from: string;
  readonly to: string;
  readonly fromId?: string;
  readonly shard?: number;
  readonly follow: boolean;
  readonly quiet: boolean;
}

/** The target stream of a source stream: same shard suffix, target topic. */
function targetStream(source: string, fromTopic: string, toTopic: string): string {
  return toTopic + source.slice(fromTopic.length);
}

/** The endpoints of the options: one shard of the source may be named, the target is a topic. */
function endpoints(options: RelayOptions): { src: Endpoint; dst: Endpoint } {
  const src = parseEndpoint(options.from, '--from', options.shard);
  const dst = parseEndpoint(options.to, '--to');
  if (dst.shard !== undefined) throw usageError('--to names a topic: each shard of --from is copied to the same shard of it');
  return { src, dst };
}

async function relay(ctx: CliContext, from: Engine, to: Engine, options: RelayOptions): Promise<number> {
  const { src, dst } = endpoints(options);
  const streams = await existingStreams(from, src.topic, src.shard === undefined ? {} : { shard: src.shard });
  const after = new Map<string, string>();
  for (const stream of streams) {
    const copied = await to.lastId(targetStream(stream, src.topic, dst.topic));
    const asked = options.fromId === undefined || options.fromId === MIN_STREAM_ID ? MIN_STREAM_ID : previousStreamId(options.fromId);
    // Never before what the target already has: ids only grow.
    after.set(stream, compareStreamIds(copied, asked) > 0 ? copied : asked);
  }
  let copied = 0;
  const progress = options.quiet ? undefined : startProgress(ctx.stderr, () => copied, 'entry', 'entries');
  try {
    const source = plainBatches(from, after, { follow: options.follow, signal: ctx.lifecycle.signal });
    for await (const batches of source) {
      const items = batches.flatMap(({ stream, entries }) =>
        entries.map((e) => ({ stream: targetStream(stream, src.topic, dst.topic), fields: e.fields, id: e.id })),
      );
      if (items.length === 0) continue;
      await to.appendBatch(items);
      copied += items.length;
    }
  } finally {
    progress?.stop();
  }
  return copied;
}

export function registerRelay(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('relay')
      .description('copy a topic (all shards, ids kept) from one engine to another; resumes where the target ends')
      .requiredOption('--from <url/topic>', 'source, like redis://10.0.0.1:6379/orders')
      .requiredOption('--to <url/topic>', 'target, like redis://10.0.0.2:6379/orders')
      .addOption(shardOption('only this shard of the --from topic (as <url>/<topic>#i)'))
      .option('--from-id <id>', 'copy from this entry id (inclusive) instead of the beginning')
      .option('-f, --follow', 'keep copying new entries until stopped', false)
      .option('-q, --quiet', 'no summary', false)
      .action(async (options: RelayOptions) => {
        const { src, dst } = endpoints(options);
        if (options.fromId !== undefined && !isStreamId(options.fromId))
          throw usageError(`--from-id expects an entry id, got ${JSON.stringify(options.fromId)}`);
        const started = performance.now();
        const copied = await withEngine(src.url, (from) => withEngine(dst.url, (to) => relay(ctx, from, to, options)));
        const seconds = (performance.now() - started) / 1000;
        const rate = seconds > 0 ? Math.round(copied / seconds) : copied;
        if (!options.quiet)
          note(ctx, `relayed ${plural(copied, 'entry', 'entries')} from ${nameText(src)} to ${dst.topic} in ${seconds.toFixed(2)} s (${rate} entries/s)`);
      }),
    [
      'streamerson relay --from redis://10.0.0.1:6379/orders --to redis://10.0.0.2:6379/orders',
      'streamerson relay --from redis://old:6379/orders --to redis+cluster://new:7000/orders --follow',
      "streamerson relay --from 'redis://10.0.0.1:6379/orders#2' --to redis://10.0.0.2:6379/orders   # shard 2 only",
    ],
  );
}
