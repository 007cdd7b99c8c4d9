/** `streamerson info <topic>`: length, first and last entry, shards, groups, consumers, dead letters. */
import type { Command } from 'commander';
import { intArg } from '../args/numbers.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { describeTopic, type EntryRef, type TopicReport } from '../inspect/describe.js';
import { formatAge } from '../inspect/units.js';
import { existingStreams, shardOption } from '../topics.js';

function entryText(ref: EntryRef | null, now: number): string {
  return ref === null ? '-' : `${ref.id}  ${new Date(ref.time).toISOString()}  (${formatAge(now - ref.time)} ago)`;
}

/** The human-readable report. */
export function infoText(r: TopicReport, now = Date.now()): string {
  const lines = [
    `topic         ${r.topic}`,
    `length        ${r.length}`,
    `first         ${entryText(r.first, now)}`,
    `last          ${entryText(r.last, now)}`,
    `shards        ${r.streams.length}${r.streams.length > 1 ? `  (${r.streams.map((s) => `${s.stream}: ${s.length}`).join(', ')})` : ''}`,
    `dead letters  ${r.deadLetters}`,
    `groups        ${r.groups.length === 0 ? '-' : ''}`,
  ];
  for (const g of r.groups) {
    lines.push(`  ${g.name}  lag ${g.lag ?? '?'}  pending ${g.pending}  consumers ${g.consumers.length}`);
    for (const c of g.consumers) lines.push(`    ${c.name}  pending ${c.pending}  idle ${formatAge(c.idleMs)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerInfo(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('info')
      .description('show the state of a topic: length, first/last entry, shards, groups with lag and pending, consumers, dead letters')
      .argument('<topic>', 'topic to describe')
      .option('--shards <n>', 'shards of the topic (found by listing when omitted)', intArg('--shards'))
      .addOption(shardOption())
      .option('--json', 'print one JSON object', false)
      .action(async (topic: string, options: { shards?: number; shard?: number; json: boolean }, command: Command) => {
        await withEngine(urlOf(command), async (engine) => {
          const report = await describeTopic(engine, topic, await existingStreams(engine, topic, options));
          await ctx.out.write(options.json ? `${JSON.stringify(report)}\n` : infoText(report));
        });
      }),
    ['streamerson info orders', "streamerson info 'orders#2'", 'streamerson info orders --shard 2', "streamerson info orders --json | jq '.groups[].lag'"],
  );
}
