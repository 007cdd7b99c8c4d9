/** `streamerson ls [prefix]`: the streams, one per line. */
import type { Command } from 'commander';
import { streamIdTime } from '@streamerson/core';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { formatAge } from '../inspect/units.js';
import { INTERNAL_PREFIX } from '../topics.js';

export function registerLs(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('ls')
      .description('list streams, one per line (with -l: length and age of the last entry)')
      .argument('[prefix]', 'only streams whose name starts with this', '')
      .option('-a, --all', `also internal streams (names starting with "${INTERNAL_PREFIX}")`, false)
      .option('-l, --long', 'add length and age of the last entry', false)
      .action(async (prefix: string, options: { all: boolean; long: boolean }, command: Command) => {
        await withEngine(urlOf(command), async (engine) => {
          const streams = (await engine.listStreams(prefix)).filter((s) => options.all || !s.startsWith(INTERNAL_PREFIX));
          if (!options.long) return ctx.out.write(streams.map((s) => `${s}\n`).join(''));
          const now = Date.now();
          const infos = await Promise.all(streams.map((s) => engine.info(s)));
          const rows = streams.map((s, i) => {
            const info = infos[i];
            const last = info?.lastEntry;
            const age = last === null || last === undefined ? '-' : formatAge(now - streamIdTime(last.id));
            return `${s}\t${info?.length ?? 0}\t${age}\n`;
          });
          await ctx.out.write(rows.join(''));
        });
      }),
    ['streamerson ls', 'streamerson ls orders -l', 'streamerson ls --all _streamerson'],
  );
}
