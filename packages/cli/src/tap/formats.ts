/** Output formats of `tap`: NDJSON (default), text lines, CSV. */
import { envelopeJson, payloadJson, payloadText, timeOf, toJson, type TapItem } from './render.js';

export type OutputFormat = 'ndjson' | 'text' | 'csv';

/** The output formats, the first one the default. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ndjson', 'text', 'csv'];

/** Turns items into lines (without the newline); may emit a header first. */
export interface Formatter {
  lines(item: TapItem): string[];
}

const ENVELOPE_COLUMNS = ['id', 'stream', 'time', 'type'] as const;

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : toJson(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function payloadOf(item: TapItem): unknown {
  return item.kind === 'message' ? item.message.payload : item.fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * CSV: the header row comes from the first item (envelope columns, then the
 * payload's keys, or one `payload` column when the payload is not an object);
 * later items are laid out by that header.
 */
class CsvFormatter implements Formatter {
  #columns: string[] | undefined;

  constructor(private readonly payloadOnly: boolean) {}

  lines(item: TapItem): string[] {
    const payload = payloadOf(item);
    const out: string[] = [];
    if (this.#columns === undefined) {
      this.#columns = isRecord(payload) ? Object.keys(payload) : ['payload'];
      const header = this.payloadOnly ? this.#columns : [...ENVELOPE_COLUMNS, ...this.#columns];
      out.push(header.map(csvCell).join(','));
    }
    const values = this.#columns.length === 1 && this.#columns[0] === 'payload' && !isRecord(payload)
      ? [payload]
      : this.#columns.map((c) => (isRecord(payload) ? payload[c] : undefined));
    const envelope = this.payloadOnly
      ? []
      : [item.entry.id, item.stream, timeOf(item.entry), item.kind === 'message' ? item.message.type : ''];
    out.push([...envelope, ...values].map(csvCell).join(','));
    return out;
  }
}

export function createFormatter(format: OutputFormat, payloadOnly: boolean): Formatter {
  switch (format) {
    case 'ndjson':
      return { lines: (item) => [payloadOnly ? payloadJson(item) : envelopeJson(item)] };
    case 'text':
      return { lines: (item) => [payloadText(item)] };
    case 'csv':
      return new CsvFormatter(payloadOnly);
  }
}
