/**
 * Input formats of `produce`: each turns input into batches of appends, with
 * a {@link BadInputError} in place of each line it cannot parse (the writer
 * decides whether to skip it or stop there).
 */
import type { Readable } from 'node:stream';
import type { AppendItem } from '@streamerson/core';
import type { BadInputError } from '../errors.js';
import { lineBatches } from '../io/lines.js';
import { csvRecords } from './csv.js';
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

/** The batches of appends read from `input` in `format`. */
export function readInput(format: InputFormat, input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  switch (format) {
    case 'ndjson':
      return ndjson(input, encoder, signal);
    case 'csv':
      return csvRecords(input, encoder, signal);
    case 'text':
      return text(input, encoder, signal);
  }
}
