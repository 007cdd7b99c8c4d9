import type { FieldValue, RawEntry } from '../engine/types.js';
import { EngineError } from '../errors.js';

/**
 * An entry as the memory engine keeps it: all field bytes in one private
 * Buffer, so that an append copies once and callers can never reach the stored
 * bytes (reads hand out a fresh copy, as a network engine would).
 */
export interface StoredEntry {
  readonly id: string;
  readonly ms: number;
  readonly seq: number;
  readonly data: Buffer;
  /** End offset in `data` of each field. */
  readonly ends: readonly number[];
}

/** Validates the fields of an append and copies them into one Buffer. Rejects what XADD rejects: no fields, or an odd number of them. */
export function packFields(fields: readonly FieldValue[]): { data: Buffer; ends: number[] } {
  if (!Array.isArray(fields) || fields.length === 0 || fields.length % 2 !== 0) {
    throw new EngineError('ERR_STREAMERSON_ENGINE', 'an entry needs a non-empty, even list of fields (name, value, …)');
  }
  const ascii = packAscii(fields);
  if (ascii !== undefined) return ascii;
  let total = 0;
  for (const f of fields) {
    if (typeof f === 'string') total += Buffer.byteLength(f);
    else if (Buffer.isBuffer(f)) total += f.length;
    else throw new EngineError('ERR_STREAMERSON_ENGINE', `a field must be a string or a Buffer, got ${typeof f}`);
  }
  const data = Buffer.allocUnsafe(total);
  const ends: number[] = new Array<number>(fields.length);
  let at = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    at += typeof f === 'string' ? data.write(f, at) : f.copy(data, at);
    ends[i] = at;
  }
  return { data, ends };
}

/**
 * The common case, only strings: one UTF-8 encode of their concatenation.
 * When every character took one byte, field boundaries are the string lengths;
 * otherwise undefined and the general path runs.
 */
function packAscii(fields: readonly FieldValue[]): { data: Buffer; ends: number[] } | undefined {
  let joined = '';
  for (const f of fields) {
    if (typeof f !== 'string') return undefined;
    joined += f;
  }
  const data = Buffer.from(joined);
  if (data.length !== joined.length) return undefined;
  const ends: number[] = new Array<number>(fields.length);
  let at = 0;
  for (let i = 0; i < fields.length; i++) {
    at += (fields[i] as string).length;
    ends[i] = at;
  }
  return { data, ends };
}

/** A fresh copy of a stored entry for a caller. */
export function toRawEntry(entry: StoredEntry): RawEntry {
  const copy = Buffer.from(entry.data);
  const fields: Buffer[] = new Array<Buffer>(entry.ends.length);
  let start = 0;
  for (let i = 0; i < entry.ends.length; i++) {
    const end = entry.ends[i]!;
    fields[i] = copy.subarray(start, end);
    start = end;
  }
  return { id: entry.id, fields };
}

/** What a read returns for an entry that is pending but no longer in the stream (Redis answers nil fields). */
export function deletedEntry(id: string): RawEntry {
  return { id, fields: [] };
}
