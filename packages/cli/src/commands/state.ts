/**
 * `streamerson state ls|get|history|watch <machine> [key]`: the keys of a
 * state machine (@streamerson/state), read from its snapshot and changelog
 * without the machine's code. Output is one JSON line per key or change.
 */
import type { Command } from 'commander';
import type { Engine } from '@streamerson/core';
import { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_MAX_SCAN, readHistory, readKey, readShard, type MachineRef } from '@streamerson/state';
import { intArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { notFound, usageError } from '../errors.js';
import { examples } from '../help.js';
import { findMachine } from '../state/machine.js';
import { changeLine, watchMachine } from '../state/watch.js';
import { plural } from '../inspect/units.js';

interface MachineOptions {
  readonly shards?: number;
}

function withMachine<O extends MachineOptions>(body: (engine: Engine, machine: MachineRef, key: string | undefined, options: O) => Promise<void>) {
  return async (name: string, key: string | undefined, options: O, command: Command) => {
    if (key === '') throw usageError('a key cannot be empty');
    await withEngine(urlOf(command), async (engine) => body(engine, await findMachine(engine, name, options.shards), key, options));
  };
}

function noState(machine: MachineRef, key: string) {
  return notFound(`key "${key}" of machine "${machine.name}" has no state (no command changed it)`);
}

export function registerState(program: Command, ctx: CliContext): void {
  const state = examples(program.command('state').description('keys of a state machine (@streamerson/state): list, read, history, follow'), [
    'streamerson state ls bank',
    'streamerson state get bank alice',
    'streamerson state watch bank alice',
  ]);
  const shardsOption = (c: Command) =>
    c.option('--shards <n>', 'shards of the machine (found by listing its command streams when omitted)', intArg('--shards'));

  examples(
    shardsOption(state.command('ls').description('one JSON line per key with a state: key, shard, version (and the state with --states)'))
      .argument('<machine>', "the machine's name")
      .option('--shard <n>', 'list only this shard', intArg('--shard', 0))
      .option('--states', "print each key's state too", false)
      .action(async (name: string, options: MachineOptions & { shard?: number; states: boolean }, command: Command) => {
        await withMachine<typeof options>(async (engine, machine) => {
          if (options.shard !== undefined && options.shard >= machine.shards)
            throw usageError(`--shard ${options.shard} is not below the machine's ${plural(machine.shards, 'shard')}`);
          for (const shard of options.shard === undefined ? [...Array(machine.shards).keys()] : [options.shard]) {
            if (ctx.lifecycle.signal.aborted || ctx.out.gone) return;
            const keys = [...(await readShard(engine, machine, shard))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            await ctx.out.writeAll(
              keys.map(
                ([key, v]) => `${JSON.stringify(options.states ? { key, shard, version: v.version, state: v.state } : { key, shard, version: v.version })}\n`,
              ),
              ctx.lifecycle.signal,
            );
          }
        })(name, undefined, options, command);
      }),
    ['streamerson state ls bank --shard 0', "streamerson state ls bank --states | jq -s 'map(.state.balance) | add'"],
  );

  examples(
    shardsOption(state.command('get').description("the key's state and version as one JSON line; exit 6 when no command changed it"))
      .argument('<machine>', "the machine's name")
      .argument('<key>', 'the key (entity id)')
      .action(
        withMachine(async (engine, machine, key) => {
          const value = await readKey(engine, machine, key!);
          if (value === undefined) throw noState(machine, key!);
          await ctx.out.write(`${JSON.stringify({ key, version: value.version, state: value.state })}\n`);
        }),
      ),
    ['streamerson state get bank alice', 'streamerson state get bank alice | jq .state.balance'],
  );

  examples(
    shardsOption(
      state
        .command('history')
        .description("the key's changes, oldest first, one JSON line each, as far back as the changelog holds them; exit 6 when no command changed it"),
    )
      .argument('<machine>', "the machine's name")
      .argument('<key>', 'the key (entity id)')
      .option('--limit <n>', 'the newest n changes', intArg('--limit'), DEFAULT_HISTORY_LIMIT)
      .option('--max-scan <n>', 'changelog entries read at most', intArg('--max-scan'), DEFAULT_HISTORY_MAX_SCAN)
      .action(
        withMachine<MachineOptions & { limit: number; maxScan: number }>(async (engine, machine, key, options) => {
          const changes = await readHistory(engine, machine, key!, { limit: options.limit, maxScan: options.maxScan });
          if (changes.length === 0) {
            if ((await readKey(engine, machine, key!)) === undefined) throw noState(machine, key!);
            note(ctx, `the changelog no longer holds changes of "${key}" (or not within --max-scan ${plural(options.maxScan, 'entry', 'entries')})`);
          }
          await ctx.out.writeAll(changes.map(changeLine), ctx.lifecycle.signal);
        }),
      ),
    ['streamerson state history bank alice --limit 10', "streamerson state history bank alice | jq -c '.events[]'"],
  );

  examples(
    shardsOption(
      state.command('watch').description('follow changes as JSON lines until Ctrl-C: of one key (its current state first, version 0 if none) or of every key'),
    )
      .argument('<machine>', "the machine's name")
      .argument('[key]', 'the key to follow; every key when omitted')
      .action(withMachine((engine, machine, key) => watchMachine(ctx, engine, machine, key))),
    ['streamerson state watch bank alice', "streamerson state watch bank | jq -c '{key, version, type}'"],
  );
}
