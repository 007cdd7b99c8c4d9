/**
 * Input formats of `produce`: each turns input into batches of appends, with
 * a {@link BadInputError} in place of each line it cannot parse (the writer
 * decides whether to skip it or stop there).
 */
import type { Readable } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import { StreamersonError, type AppendItem } from '@streamerson/core';
import { BadInputError } from '../errors.js';
import { lineBatches } from '../io/lines.js';
import type { MessageEncoder } from './encoder.js';
import { parseNdjsonLine } from './ndjson.js';

export type InputFormat = 'ndjson' | 'csv' | 'text';

/** The input formats, the first one the default. */
export const INPUT_FORMATS: readonly InputFormat[] = ['ndjson', 'csv', 'text'];

/** An append, or the reason a line was not turned into one. */
export type InputItem = AppendItem | BadInputError;

async function* ndjson(input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  let line = 0;
  for await (const lines of lineBatches(input, signal)) {
    const items: InputItem[] = [];
    for (const text of lines) {
      line++;
      const item = parseNdjsonLine(text, line, encoder);
      if (item !== undefined) items.push(item);
    }
    yield items;
  }
}

async function* text(input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  for await (const lines of lineBatches(input, signal)) yield lines.map((l) => encoder.text(l));
}

/** CSV with a header row: each record becomes an object of strings keyed by column. */
async function* csv(input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  const skipped: BadInputError[] = [];
  const parser = parseCsv({
    columns: true,
    info: true,
    bom: true,
    skip_empty_lines: true,
    // Bad records are always collected, never thrown: the writer decides
    // between skipping and stopping, after writing the records before them.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      if (error !== undefined) skipped.push(new BadInputError(Number(error['lines'] ?? 0), error.message, { cause: error }));
      return undefined;
    },
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let batch: InputItem[] = [];
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (signal.aborted) break;
    // The parser runs ahead of this loop: report only the bad records before this one.
    while (skipped.length > 0 && skipped[0]!.line < info.lines) batch.push(skipped.shift()!);
    try {
      batch.push(encoder.message({ payload: record }));
    } catch (error) {
      if (!(error instanceof StreamersonError)) throw error;
      batch.push(new BadInputError(info.lines, error.message, { cause: error }));
    }
    if (batch.length >= 512) {
      yield batch;
      batch = [];
    }
  }
  batch.push(...skipped.splice(0));
  if (batch.length > 0) yield batch;
}

/** The batches of appends read from `input` in `format`. */
export function readInput(format: InputFormat, input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  switch (format) {
    case 'ndjson': return ndjson(input, encoder, signal);
    case 'csv': return csv(input, encoder, signal);
    case 'text': return text(input, encoder, signal);
  }
}
