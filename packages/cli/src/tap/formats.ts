/** Output formats of `tap`: NDJSON (default), text lines, CSV. */
import { isUtf8 } from 'node:buffer';
import { payloadBytes } from '@streamerson/core';
import type { BytesStyle } from '../io/bytes.js';
import { envelopeJson, payloadJson, payloadText, timeOf, toJson, type TapItem } from './render.js';

export type OutputFormat = 'ndjson' | 'text' | 'csv';

/** The output formats, the first one the default. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ndjson', 'text', 'csv'];

/** Turns an item into its text: one or more lines, each ending with a newline. */
export interface Formatter {
  text(item: TapItem): string;
}

/** How items are shown. */
export interface FormatOptions {
  readonly payloadOnly: boolean;
  readonly bytes: BytesStyle;
}

/** Columns of the envelope in CSV, before the payload's. */
const ENVELOPE_COLUMNS = ['id', 'stream', 'time', 'type'] as const;
/** The one payload column of a payload that is not an object. */
const PAYLOAD_COLUMN = 'payload';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * The payload's cells by column: an object payload by key, any other payload
 * in the `payload` column, a raw entry by field name (a name repeated in one
 * entry gets `name_2`, `name_3`…, so that no value is lost).
 */
export function payloadCells(item: TapItem, style: BytesStyle): Map<string, unknown> {
  const cells = new Map<string, unknown>();
  if (item.kind === 'raw') {
    const f = item.entry.fields;
    for (let k = 0; k + 1 < f.length; k += 2) {
      const name = isUtf8(f[k]!) ? f[k]!.toString('utf8') : toJson(f[k], style);
      let column = name;
      for (let n = 2; cells.has(column); n++) column = `${name}_${n}`;
      cells.set(column, f[k + 1]!);
    }
    return cells;
  }
  const { payload, contentType } = item.message;
  if (isRecord(payload)) for (const [key, value] of Object.entries(payload)) cells.set(key, value);
  // Text that is not UTF-8 goes out as its bytes, like a binary payload (a Buffer).
  else cells.set(PAYLOAD_COLUMN, contentType === 'text' ? (payloadBytes(item.entry) ?? payload) : payload);
  return cells;
}

function csvCell(value: unknown, style: BytesStyle): string {
  let text: string;
  if (value === undefined || value === null) text = '';
  else if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array && isUtf8(value)) text = Buffer.from(value).toString('utf8');
  else text = toJson(value, style);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(values: readonly unknown[], style: BytesStyle): string {
  return `${values.map((v) => csvCell(v, style)).join(',')}\n`;
}

/**
 * CSV. The columns are `--fields` when given (other payload fields are left
 * out, as asked), else the union of the payload fields of every item the run
 * writes: `columns` when the caller knows them in advance (it read the range
 * once to find them), else the fields seen so far — and when an item brings a
 * new one, a blank line and a new header row with the larger union follow
 * (Miller's "csvlite" convention), so that no value is dropped.
 */
export class CsvFormatter implements Formatter {
  readonly #options: FormatOptions;
  readonly #fixed: boolean;
  readonly #columns: string[];
  readonly #known: Set<string>;
  /** Whether a header row was written. */
  #headed = false;

  constructor(options: FormatOptions, columns: readonly string[] = [], fixed = false) {
    this.#options = options;
    this.#fixed = fixed;
    this.#columns = [...columns];
    this.#known = new Set(columns);
  }

  text(item: TapItem): string {
    const { payloadOnly, bytes } = this.#options;
    const cells = payloadCells(item, bytes);
    let out = '';
    const grown = this.#fixed ? [] : [...cells.keys()].filter((c) => !this.#known.has(c));
    if (!this.#headed || grown.length > 0) {
      if (this.#headed) out += '\n';
      this.#headed = true;
      this.#columns.push(...grown);
      for (const c of grown) this.#known.add(c);
      out += csvRow(payloadOnly ? this.#columns : [...ENVELOPE_COLUMNS, ...this.#columns], bytes);
    }
    const values = this.#columns.map((c) => cells.get(c));
    const envelope = payloadOnly ? [] : [item.entry.id, item.stream, timeOf(item.entry), item.kind === 'message' ? item.message.type : ''];
    return out + csvRow([...envelope, ...values], bytes);
  }
}

export function createFormatter(format: OutputFormat, options: FormatOptions, columns?: readonly string[], fixedColumns = false): Formatter {
  const { payloadOnly, bytes } = options;
  switch (format) {
    case 'ndjson':
      return { text: (item) => `${payloadOnly ? payloadJson(item, bytes) : envelopeJson(item, bytes)}\n` };
    case 'text':
      return { text: (item) => `${payloadText(item, bytes)}\n` };
    case 'csv':
      return new CsvFormatter(options, columns, fixedColumns);
  }
}
