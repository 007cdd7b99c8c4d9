/** `streamerson top`: a live full-screen view of streams and groups, or one snapshot with `--once`. */
import type { Command } from 'commander';
import { parseDuration } from '../args/duration.js';
import { urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { usageError } from '../errors.js';
import { pause } from '../lifecycle.js';
import { pageOf, renderScreen, renderText } from '../top/render.js';
import { Sampler } from '../top/sampler.js';
import { Screen } from '../top/screen.js';
import { buildSnapshot, DEFAULT_IDLE_AFTER_MS, type Snapshot } from '../top/snapshot.js';
import { applyKey, INITIAL_VIEW, rowsOf, SORT_KEYS, type SortKey, type ViewState } from '../top/view.js';

/** Default refresh period. */
export const DEFAULT_TOP_INTERVAL = '1s';

interface TopOptions {
  readonly once: boolean;
  readonly json: boolean;
  readonly interval: string;
  readonly idleAfter: string;
  readonly sort: SortKey;
  readonly filter: string;
  readonly all: boolean;
}

async function snapshotAfter(sampler: Sampler, intervalMs: number, idleAfterMs: number, view: ViewState, signal: AbortSignal): Promise<Snapshot> {
  await sampler.sample();
  await pause(intervalMs, signal);
  return buildSnapshot(await sampler.sample(), sampler, idleAfterMs, {
    announced: sampler.announced,
    keep: (t) => view.filter === '' || t.topic.includes(view.filter),
  });
}

async function live(ctx: CliContext, sampler: Sampler, url: string, intervalMs: number, idleAfterMs: number, initial: ViewState): Promise<void> {
  const quit = new AbortController();
  const stopped = AbortSignal.any([quit.signal, ctx.lifecycle.signal]);
  let view = initial;
  let last: Snapshot | undefined;
  // One column short of the width: a full last column makes some terminals wrap.
  const draw = (): void => {
    if (last !== undefined) screen.draw(renderScreen(last, view, url, screen.width - 1, screen.height));
  };
  const screen = new Screen(
    ctx.stdin,
    ctx.stdout,
    (key) => {
      const next = applyKey(view, key, last === undefined ? [] : rowsOf(last.topics, view), pageOf(screen.height));
      // Ctrl-C reaches a raw terminal as a key: it stops top as SIGINT would (exit 130).
      if (next === 'interrupt') return ctx.lifecycle.stop('SIGINT');
      if (next === 'quit') return quit.abort();
      view = next;
      draw();
    },
    draw,
  );
  try {
    // The first frame comes at once (rates read 0 until the second sample).
    while (!stopped.aborted) {
      last = buildSnapshot(await sampler.sample(), sampler, idleAfterMs, { announced: sampler.announced });
      draw();
      await pause(intervalMs, stopped);
    }
  } finally {
    screen.close();
  }
}

export function registerTop(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('top')
      .description('live view of every topic: rates, length, age of the last message, groups with lag and pending, dead letters')
      .argument('[prefix]', 'only topics whose name starts with this', '')
      .option('--once', 'print one snapshot (rates over one interval) and exit', false)
      .option('--json', 'with --once: print the snapshot as JSON', false)
      .option('--interval <duration>', 'refresh period', DEFAULT_TOP_INTERVAL)
      .option('--idle-after <duration>', 'a consumer silent this long counts as idle', `${DEFAULT_IDLE_AFTER_MS / 1000}s`)
      .option('--sort <column>', `initial sort: ${SORT_KEYS.join(', ')}`, INITIAL_VIEW.sort)
      .option('--filter <text>', 'initial filter: topics containing this', '')
      .option('-a, --all', 'include internal streams (names starting with "_")', false)
      .action(async (prefix: string, options: TopOptions, command: Command) => {
        const intervalMs = parseDuration(options.interval, '--interval');
        const idleAfterMs = parseDuration(options.idleAfter, '--idle-after');
        if (!SORT_KEYS.includes(options.sort)) throw usageError(`--sort expects one of ${SORT_KEYS.join(', ')}, got ${JSON.stringify(options.sort)}`);
        if (options.json && !options.once) throw usageError('--json needs --once');
        const url = urlOf(command);
        const view: ViewState = { ...INITIAL_VIEW, sort: options.sort, descending: options.sort !== 'name', filter: options.filter };
        if (!options.once && ctx.stdout.isTTY !== true) throw usageError('top needs a terminal; use --once (with --json for scripts)');
        await withEngine(url, async (engine) => {
          const sampler = new Sampler(engine, prefix, options.all);
          if (!options.once) return live(ctx, sampler, url, intervalMs, idleAfterMs, view);
          const snapshot = await snapshotAfter(sampler, intervalMs, idleAfterMs, view, ctx.lifecycle.signal);
          // Plain text for a pipe or a file: no escape codes, no keys; as wide as a terminal when it is one.
          const text = options.json
            ? JSON.stringify(snapshot)
            : renderText(snapshot, view, url, ctx.stdout.isTTY === true ? (ctx.stdout.columns ?? Infinity) : Infinity).join('\n');
          await ctx.out.write(`${text}\n`);
        });
      }),
    ['streamerson top', 'streamerson top orders --sort lag', "streamerson top --once --json | jq '.totals'"],
  );
}
