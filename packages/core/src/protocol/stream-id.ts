/**
 * Stream entry ids: `<ms>-<seq>`, two unsigned 64-bit integers in canonical
 * decimal (no sign, no leading zeros), ordered by `ms` then `seq`. See
 * docs/PROTOCOL.md, "Entry ids".
 *
 * Ids are handled as strings: both parts can exceed `Number.MAX_SAFE_INTEGER`,
 * and canonical decimals of unequal length order by length, so comparison needs
 * no bigint.
 */
import { StreamersonError, InvalidOptionError } from '../errors.js';

/** Largest value of either part of an id: 2^64 - 1. */
export const MAX_STREAM_ID_PART = 18446744073709551615n;

/** The smallest id. Never the id of an entry; as an exclusive start it means "from the beginning". */
export const MIN_STREAM_ID = '0-0';

/** The largest id. */
export const MAX_STREAM_ID = '18446744073709551615-18446744073709551615';

/** An id split into its two parts. */
export interface StreamIdParts {
  /** Milliseconds part (the time the engine accepted the entry, Unix ms). */
  readonly ms: bigint;
  /** Sequence number among entries of the same millisecond. */
  readonly seq: bigint;
}

const MAX_PART_DIGITS = '18446744073709551615';
const ID = /^(?:0|[1-9][0-9]{0,19})-(?:0|[1-9][0-9]{0,19})$/;

/** A 20-digit part is only valid up to 2^64 - 1; shorter canonical parts always are. */
function partInRange(id: string, start: number, end: number): boolean {
  return end - start < 20 || id.slice(start, end) <= MAX_PART_DIGITS;
}

/** Index of the `-` of a valid id, or -1 when `id` is not a canonical `<ms>-<seq>`. */
function dashOf(id: unknown): number {
  if (typeof id !== 'string' || !ID.test(id)) return -1;
  const dash = id.indexOf('-');
  return partInRange(id, 0, dash) && partInRange(id, dash + 1, id.length) ? dash : -1;
}

function invalidId(id: unknown, why = 'expected "<ms>-<seq>" with two unsigned 64-bit decimals'): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_INVALID_ID', `invalid stream id ${JSON.stringify(String(id))}: ${why}`);
}

function checkedDash(id: string): number {
  const dash = dashOf(id);
  if (dash === -1) throw invalidId(id);
  return dash;
}

/** Whether `id` is a canonical entry id `<ms>-<seq>` (special ids such as `$` or `>` are not). */
export function isStreamId(id: unknown): id is string {
  return dashOf(id) !== -1;
}

/** Splits an id into its parts, exactly. Throws `ERR_STREAMERSON_INVALID_ID`. */
export function parseStreamId(id: string): StreamIdParts {
  const dash = checkedDash(id);
  return { ms: BigInt(id.slice(0, dash)), seq: BigInt(id.slice(dash + 1)) };
}

type LooseParts = { readonly ms: bigint | number; readonly seq: bigint | number };

function partOf(value: bigint | number, parts: LooseParts): bigint {
  const shown = `${parts.ms}-${parts.seq}`;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw invalidId(shown, 'parts must be integers');
  const big = BigInt(value);
  if (big < 0n || big > MAX_STREAM_ID_PART) throw invalidId(shown, 'parts must be within 0 and 2^64 - 1');
  return big;
}

/** Formats parts as `<ms>-<seq>`. Throws `ERR_STREAMERSON_INVALID_ID` when a part is not an integer within 0 and 2^64 - 1. */
export function formatStreamId(parts: LooseParts): string {
  return `${partOf(parts.ms, parts)}-${partOf(parts.seq, parts)}`;
}

function comparePart(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  const lengths = aEnd - aStart - (bEnd - bStart);
  if (lengths !== 0) return lengths < 0 ? -1 : 1;
  for (let i = 0; i < aEnd - aStart; i++) {
    const d = a.charCodeAt(aStart + i) - b.charCodeAt(bStart + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Orders two ids: negative when `a < b`, 0 when equal, positive when `a > b`;
 * usable as a sort comparator. Exact for the whole 64-bit range. Throws
 * `ERR_STREAMERSON_INVALID_ID` when either is not a canonical id.
 */
export function compareStreamIds(a: string, b: string): number {
  const da = checkedDash(a);
  const db = checkedDash(b);
  return comparePart(a, 0, da, b, 0, db) || comparePart(a, da + 1, a.length, b, db + 1, b.length);
}

/** The smallest id greater than `id`. Throws `ERR_STREAMERSON_INVALID_ID` for an invalid id or {@link MAX_STREAM_ID}. */
export function nextStreamId(id: string): string {
  const { ms, seq } = parseStreamId(id);
  if (seq < MAX_STREAM_ID_PART) return `${ms}-${seq + 1n}`;
  if (ms < MAX_STREAM_ID_PART) return `${ms + 1n}-0`;
  throw invalidId(id, 'no id is greater');
}

/** The greatest id smaller than `id`. Throws `ERR_STREAMERSON_INVALID_ID` for an invalid id or `0-0`. */
export function previousStreamId(id: string): string {
  const { ms, seq } = parseStreamId(id);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-${MAX_STREAM_ID_PART}`;
  throw invalidId(id, 'no id is smaller');
}

/**
 * The first id of a millisecond: `<ms>-0`, for reading "from this time on".
 * Fractions of a millisecond are dropped. Throws `ERR_STREAMERSON_INVALID_OPTION`
 * (option `time`) for a negative, non-finite or invalid time.
 */
export function streamIdFromTime(time: number | Date): string {
  const ms = time instanceof Date ? time.getTime() : time;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError('time', `expected a non-negative finite Unix time in ms or a valid Date, got ${String(time)}`);
  }
  return `${BigInt(Math.floor(ms))}-0`;
}

/**
 * The time part of an id, in Unix ms. Exact up to `Number.MAX_SAFE_INTEGER`
 * (year 287,396); larger values are rounded. Throws `ERR_STREAMERSON_INVALID_ID`.
 */
export function streamIdTime(id: string): number {
  return Number(id.slice(0, checkedDash(id)));
}
