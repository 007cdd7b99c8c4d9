#!/usr/bin/env node
/**
 * The `streamerson` binary: runs one command, prints an error as
 * `streamerson: <code>: <message>` on stderr and exits with a documented code.
 */
import { CommanderError } from 'commander';
import { formatError } from './errors.js';
import { exitCodeOf, EXIT } from './exit-codes.js';
import { Lifecycle } from './lifecycle.js';
import { Output } from './io/output.js';
import { createProgram, usageOf } from './program.js';

async function main(argv: readonly string[]): Promise<number> {
  const lifecycle = new Lifecycle();
  const unwatch = lifecycle.watchSignals();
  const ctx = {
    lifecycle,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    out: new Output(process.stdout, (error) => {
      if (error.code === 'EPIPE') return lifecycle.stop('EPIPE');
      // Output that cannot be written (a full disk, a closed terminal) is a failure, not a quiet end.
      process.stderr.write(`${formatError(error)}\n`);
      process.exit(EXIT.FAILURE);
    }),
  };
  try {
    await createProgram(ctx).parseAsync(argv);
    return lifecycle.exitCode();
  } catch (error) {
    const failure = error instanceof CommanderError ? usageOf(error) : error;
    if (failure === undefined) return EXIT.OK;
    process.stderr.write(`${formatError(failure)}\n`);
    return exitCodeOf(failure);
  } finally {
    unwatch();
  }
}

// Exit explicitly: a lingering socket or timer must not keep a finished
// command alive. Stdout and stderr are synchronous for files, pipes and
// terminals on Linux, and every data write was awaited, so nothing is lost.
process.exit(await main(process.argv));
