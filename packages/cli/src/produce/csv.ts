/**
 * CSV input with a header row: each record becomes an object of strings keyed
 * by column. Lines are grouped into whole records here (a record is complete
 * when its quotes balance, so quoted newlines stay inside their field) and
 * each group is parsed at once. Unlike a streaming parser, which holds the
 * last record back until more input arrives, every complete record is sent
 * right away: what matters for a named pipe or a slow stdin.
 */
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse/sync';
import { StreamersonError } from '@streamerson/core';
import { BadInputError } from '../errors.js';
import { lineBatches } from '../io/lines.js';
import type { MessageEncoder } from './encoder.js';
import type { InputItem } from './formats.js';

/** Quotes in a line; an escaped quote (`""`) counts two, so only real openings and closings change the parity. */
function quotesIn(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i !== -1; i = line.indexOf('"', i + 1)) n++;
  return n;
}

/** Parses whole records that start at line `first`; items in input order. */
function parseRecords(text: string, first: number, columns: string[], encoder: MessageEncoder): InputItem[] {
  const items: { line: number; item: InputItem }[] = [];
  const records = parse(text, {
    columns,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      if (error === undefined) return undefined;
      const line = first + Number(error['lines'] ?? 1) - 1;
      items.push({ line, item: new BadInputError(line, error.message.replace(/ on line \d+$/, ''), { cause: error }) });
      return undefined;
    },
  }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  for (const { record, info } of records) {
    const line = first + info.lines - 1;
    try {
      items.push({ line, item: encoder.message({ payload: record }) });
    } catch (error) {
      if (!(error instanceof StreamersonError)) throw error;
      items.push({ line, item: new BadInputError(line, error.message, { cause: error }) });
    }
  }
  return items.sort((a, b) => a.line - b.line).map((i) => i.item);
}

/** The header's column names; a header that cannot be parsed is a bad first line. */
function headerOf(text: string): string[] {
  try {
    const [row] = parse(text, { columns: false }) as string[][];
    if (row === undefined || row.length === 0) throw new Error('the header row is empty');
    return row;
  } catch (error) {
    throw new BadInputError(1, `bad header row: ${(error as Error).message}`, { cause: error });
  }
}

export async function* csvRecords(input: Readable, encoder: MessageEncoder, signal: AbortSignal): AsyncGenerator<InputItem[]> {
  let columns: string[] | undefined;
  let line = 0;
  let record = '';
  let recordStart = 0;
  let quotes = 0;
  for await (const lines of lineBatches(input, signal)) {
    let whole = '';
    let wholeStart = 0;
    for (const text of lines) {
      line++;
      if (record === '' && quotes === 0) recordStart = line;
      record = quotes === 0 && record === '' ? text : `${record}\n${text}`;
      quotes += quotesIn(text);
      if (quotes % 2 !== 0) continue;
      if (columns === undefined) {
        if (record.trim() !== '') columns = headerOf(record);
      } else {
        if (whole === '') wholeStart = recordStart;
        whole += `${record}\n`;
      }
      record = '';
      quotes = 0;
    }
    if (whole !== '' && columns !== undefined) yield parseRecords(whole, wholeStart, columns, encoder);
  }
  if (quotes % 2 !== 0) yield [new BadInputError(recordStart, 'a quoted field is not closed at the end of the input')];
}
