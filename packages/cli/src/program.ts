/** The `streamerson` command tree. */
import { createRequire } from 'node:module';
import { Command, type CommanderError, Option } from 'commander';
import { StreamersonError } from '@streamerson/core';
import type { CliContext } from './context.js';
import { DEFAULT_URL, URL_ENV } from './engine.js';
import { examples } from './help.js';
import { registerProduce } from './commands/produce.js';
import { registerTap } from './commands/tap.js';
import { registerFlux } from './commands/flux.js';
import { registerRequest, registerPublish } from './commands/request.js';
import { registerLs } from './commands/ls.js';
import { registerInfo } from './commands/info.js';
import { registerTrim } from './commands/trim.js';
import { registerDlq } from './commands/dlq.js';
import { registerRelay } from './commands/relay.js';
import { registerGraph } from './commands/graph.js';
import { registerTop } from './commands/top.js';
import { registerReplay } from './commands/replay.js';
import { registerState } from './commands/state.js';

/** Version printed by `--version`: the package's own, so the two never drift apart. */
export const CLI_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Commander's own exit codes that are not failures (help, version). */
const BENIGN_COMMANDER_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * Commander reports usage mistakes by throwing (exitOverride); they become
 * `ERR_STREAMERSON_USAGE`, asked-for help and version a clean exit. Help shown
 * because no command was given (bare `streamerson`, `streamerson dlq`) is a
 * usage mistake too.
 */
export function usageOf(error: CommanderError): StreamersonError | undefined {
  if (error.code === 'commander.help' && error.exitCode !== 0) {
    return new StreamersonError('ERR_STREAMERSON_USAGE', 'a command is needed (the commands are listed above)', { cause: error });
  }
  if (BENIGN_COMMANDER_CODES.has(error.code)) return undefined;
  return new StreamersonError('ERR_STREAMERSON_USAGE', error.message.replace(/^error: /, ''), { cause: error });
}

export function createProgram(ctx: CliContext): Command {
  const program = new Command('streamerson')
    .description('produce, tap, inspect and monitor Streamerson streams')
    .version(CLI_VERSION)
    .addOption(new Option('--url <url>', 'engine URL').env(URL_ENV).default(DEFAULT_URL))
    .exitOverride()
    // Every command's help also lists --url (and the rest of the global options).
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      // Usage errors are printed once, with their code, by main.
      outputError: () => undefined,
    });
  registerProduce(program, ctx);
  registerTap(program, ctx);
  registerFlux(program, ctx);
  registerRequest(program, ctx);
  registerPublish(program, ctx);
  registerLs(program, ctx);
  registerInfo(program, ctx);
  registerTrim(program, ctx);
  registerDlq(program, ctx);
  registerRelay(program, ctx);
  registerGraph(program, ctx);
  registerTop(program, ctx);
  registerReplay(program, ctx);
  registerState(program, ctx);
  return examples(program, [
    'printf \'{"sku":"A-1"}\\n\' | streamerson produce orders --type order.created',
    'streamerson tap orders --last 10 -p | jq .sku',
    'streamerson --url redis://10.0.0.1:6379 top',
    'streamerson dlq --help',
  ]);
}
