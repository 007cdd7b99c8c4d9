/**
 * What every command gets: the process streams, the stop signal, and the
 * engine URL from the global `--url` option.
 */
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Lifecycle } from './lifecycle.js';
import type { Output } from './io/output.js';

/** A terminal-aware writable (process.stdout / process.stderr, or a test double). */
export type TermWritable = Writable & { readonly isTTY?: boolean; readonly columns?: number; readonly rows?: number };

/** A terminal-aware readable (process.stdin). */
export type TermReadable = Readable & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };

export interface CliContext {
  readonly lifecycle: Lifecycle;
  readonly stdin: TermReadable;
  readonly stdout: TermWritable;
  readonly stderr: TermWritable;
  /** Stdout as line output: backpressure, and EPIPE stops the run quietly. */
  readonly out: Output;
}

/** The engine URL of a command: `--url`, else `STREAMERSON_URL`, else the default (commander resolves all three). */
export function urlOf(command: Command): string {
  return String(command.optsWithGlobals()['url']);
}

/** Writes a line to stderr (notes, summaries, warnings; never data). */
export function note(ctx: CliContext, text: string): void {
  ctx.stderr.write(`${text}\n`);
}
