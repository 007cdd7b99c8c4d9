import { StreamersonError } from '../errors.js';

/**
 * Stream entry ids of the memory engine. Redis ids are two unsigned 64-bit
 * integers; here both parts are JavaScript numbers, so ids whose parts exceed
 * `Number.MAX_SAFE_INTEGER` are rejected with `ERR_STREAMERSON_INVALID_ID`
 * (a documented difference from Redis, which accepts them). That keeps every
 * comparison exact and cheap.
 */

/** A parsed id. `seq` may be `Infinity` for the upper bound of an incomplete id (`5` as a range end). */
export interface IdParts {
  readonly ms: number;
  readonly seq: number;
}

/** The smallest id. */
export const ZERO_ID: IdParts = Object.freeze({ ms: 0, seq: 0 });

/** An id greater than every id (`+`). */
export const MAX_ID: IdParts = Object.freeze({ ms: Number.MAX_SAFE_INTEGER, seq: Infinity });

const ID = /^(\d+)(?:-(\d+|\*))?$/;

/** `ERR_STREAMERSON_INVALID_ID` for `text`. */
export function invalidId(text: unknown, why = 'expected <ms>-<seq>'): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_INVALID_ID', `invalid stream id ${JSON.stringify(text)}: ${why}`);
}

function part(digits: string, text: string): number {
  const n = Number(digits);
  if (n > Number.MAX_SAFE_INTEGER) throw invalidId(text, 'id parts above 2^53-1 are not supported by the memory engine');
  return n;
}

/**
 * Parses `<ms>-<seq>` or `<ms>`; a missing sequence becomes `missingSeq`
 * (0 for lower bounds, `Infinity` for upper bounds, like Redis).
 */
export function parseId(text: unknown, missingSeq = 0): IdParts {
  if (typeof text !== 'string') throw invalidId(text);
  const m = ID.exec(text);
  if (m === null || m[2] === '*') throw invalidId(text);
  return { ms: part(m[1]!, text), seq: m[2] === undefined ? missingSeq : part(m[2], text) };
}

/** Parses an explicit append id: `<ms>-<seq>`, `<ms>` (sequence 0) or `<ms>-*`; `seq` is null for `<ms>-*`. */
export function parseAppendId(text: unknown): { readonly ms: number; readonly seq: number | null } {
  if (typeof text !== 'string') throw invalidId(text);
  const m = ID.exec(text);
  if (m === null) throw invalidId(text);
  const ms = part(m[1]!, text);
  if (m[2] === '*') return { ms, seq: null };
  return { ms, seq: m[2] === undefined ? 0 : part(m[2], text) };
}

/** Sign of `a - b`. */
export function compareParts(aMs: number, aSeq: number, bMs: number, bSeq: number): number {
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** Formats an id. */
export function formatId(ms: number, seq: number): string {
  return `${ms}-${seq}`;
}

/** A range bound: an id and whether the bound itself is excluded (`(id`). */
export interface Bound extends IdParts {
  readonly exclusive: boolean;
}

/**
 * Parses a range bound as XRANGE does: `-`, `+`, `<id>` or `(<id>`; an
 * incomplete id gets sequence 0 as a start and the largest sequence as an end.
 */
export function parseBound(text: unknown, isEnd: boolean): Bound {
  if (text === '-') return { ...ZERO_ID, exclusive: false };
  if (text === '+') return { ...MAX_ID, exclusive: false };
  if (typeof text === 'string' && text.startsWith('(')) {
    return { ...parseId(text.slice(1), isEnd ? Infinity : 0), exclusive: true };
  }
  return { ...parseId(text, isEnd ? Infinity : 0), exclusive: false };
}

/** Whether `ms-seq` is on the inner side of a start bound. */
export function afterStart(ms: number, seq: number, start: Bound): boolean {
  const c = compareParts(ms, seq, start.ms, start.seq);
  return start.exclusive ? c > 0 : c >= 0;
}

/** Whether `ms-seq` is on the inner side of an end bound. */
export function beforeEnd(ms: number, seq: number, end: Bound): boolean {
  const c = compareParts(ms, seq, end.ms, end.seq);
  return end.exclusive ? c < 0 : c <= 0;
}
