/**
 * Errors of the command line, with codes from the core registry, and the one
 * place that turns any error into a line on stderr.
 */
import { StreamersonError } from '@streamerson/core';

/** Wrong or missing arguments (`ERR_STREAMERSON_USAGE`). */
export function usageError(message: string): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_USAGE', message);
}

/** A line of input that cannot be parsed (`ERR_STREAMERSON_BAD_INPUT`); `line` counts from 1. */
export class BadInputError extends StreamersonError {
  override readonly name = 'BadInputError';
  readonly line: number;

  constructor(line: number, why: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_BAD_INPUT', `line ${line}: ${why}`, options);
    this.line = line;
  }
}

/** A topic, group or entry that does not exist (`ERR_STREAMERSON_NOT_FOUND`). */
export function notFound(message: string): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_NOT_FOUND', message);
}

/**
 * The stderr line of an error: `streamerson: <code>: <message>`. An error
 * without a Streamerson code (a Node error, a bug) shows its name instead, so
 * it is never mistaken for a documented failure.
 */
export function formatError(error: unknown): string {
  if (error instanceof StreamersonError) return `streamerson: ${error.code}: ${oneLine(error.message)}`;
  if (error instanceof Error) return `streamerson: ${error.name}: ${oneLine(error.message)}`;
  return `streamerson: ${oneLine(String(error))}`;
}

/** A message on one line: a line break and the blanks around it become "; ". */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, '; ');
}
