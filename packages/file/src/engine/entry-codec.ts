import { EngineError, type FieldValue, type RawEntry } from '@streamerson/core';

/**
 * An entry's fields as one BLOB: a 32-bit count `n`, then `n` 32-bit end
 * offsets (little-endian, relative to the data), then the field bytes. One
 * value per entry keeps a row small, and a read splits it without copying.
 */

/** Validates and packs fields; rejects what XADD rejects (no fields, an odd count, a value that is not a string or Buffer). */
export function encodeFields(fields: readonly FieldValue[]): Buffer {
  if (!Array.isArray(fields) || fields.length === 0 || fields.length % 2 !== 0) {
    throw new EngineError('ERR_STREAMERSON_ENGINE', 'an entry needs a non-empty, even list of fields (name, value, …)');
  }
  const n = fields.length;
  let total = 0;
  for (const f of fields) {
    if (typeof f === 'string') total += Buffer.byteLength(f);
    else if (Buffer.isBuffer(f)) total += f.length;
    else throw new EngineError('ERR_STREAMERSON_ENGINE', `a field must be a string or a Buffer, got ${typeof f}`);
  }
  const head = 4 + 4 * n;
  const blob = Buffer.allocUnsafe(head + total);
  blob.writeUInt32LE(n, 0);
  let at = head;
  for (let i = 0; i < n; i++) {
    const f = fields[i]!;
    at += typeof f === 'string' ? blob.write(f, at) : f.copy(blob, at);
    blob.writeUInt32LE(at - head, 4 + 4 * i);
  }
  return blob;
}

/** Splits a stored BLOB into field Buffers (views of `blob`, which the caller owns). */
export function decodeFields(blob: Buffer): Buffer[] {
  const n = blob.readUInt32LE(0);
  const head = 4 + 4 * n;
  const fields = new Array<Buffer>(n);
  let start = head;
  for (let i = 0; i < n; i++) {
    const end = head + blob.readUInt32LE(4 + 4 * i);
    fields[i] = blob.subarray(start, end);
    start = end;
  }
  return fields;
}

/** A row of the entries table as a {@link RawEntry}. */
export function rowEntry(row: EntryRow): RawEntry {
  return { id: `${row.ms}-${row.seq}`, fields: decodeFields(row.data) };
}

/** What entry queries select. */
export interface EntryRow {
  readonly ms: number;
  readonly seq: number;
  readonly data: Buffer;
}
