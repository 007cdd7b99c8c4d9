/**
 * Puts a run's Markdown into docs/BENCHMARKS.md between two markers, so that
 * the published figures are always the output of a run, never retyped.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { StreamersonError } from '@streamerson/core';

/** The line after which the results go. */
export const RESULTS_START = '<!-- bench:results:start -->';
/** The line before which the results end. */
export const RESULTS_END = '<!-- bench:results:end -->';

/** `doc` with everything between the markers replaced by `results`; throws when the markers are missing. */
export function spliceResults(doc: string, results: string): string {
  const start = doc.indexOf(RESULTS_START);
  const end = doc.indexOf(RESULTS_END);
  if (start < 0 || end < start) {
    throw new StreamersonError('ERR_STREAMERSON_INVALID_OPTION', `the document needs the lines ${RESULTS_START} and ${RESULTS_END}`);
  }
  return `${doc.slice(0, start + RESULTS_START.length)}\n\n${results.trim()}\n\n${doc.slice(end)}`;
}

/** Rewrites the results section of the Markdown file at `path`. */
export async function writeResultsInto(path: string, results: string): Promise<void> {
  await writeFile(path, spliceResults(await readFile(path, 'utf8'), results));
}
