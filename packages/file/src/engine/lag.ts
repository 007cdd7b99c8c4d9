import { compareParts, type IdParts } from '@streamerson/core/internal';
import type { StreamRow } from './stream-ops.js';

/**
 * Redis 7's bookkeeping of a group's read counter (`entries-read`) and `lag`,
 * on a stream's row and its first entry, as the memory engine keeps it.
 */
export interface LagView {
  readonly stream: StreamRow;
  /** The stream's first entry, or undefined when it is empty (looked up on first use: most reads never need it). */
  first(): IdParts | undefined;
}

/** Whether an id at or after `from` may have been deleted by XDEL (Redis `streamRangeHasTombstones`). */
export function hasTombstonesFrom(v: LagView, fromMs: number, fromSeq: number): boolean {
  const s = v.stream;
  if (s.max_deleted_ms === 0 && s.max_deleted_seq === 0) return false;
  const first = v.first();
  if (first === undefined || compareParts(first.ms, first.seq, s.max_deleted_ms, s.max_deleted_seq) > 0) return false;
  return compareParts(fromMs, fromSeq, s.max_deleted_ms, s.max_deleted_seq) <= 0;
}

/** How many entries were ever added up to and including `ms-seq`, or null when that cannot be told. */
export function entriesUpTo(v: LagView, ms: number, seq: number): number | null {
  const s = v.stream;
  if (s.entries_added === 0) return 0;
  const cmpLast = compareParts(ms, seq, s.last_ms, s.last_seq);
  if (s.length === 0 && cmpLast <= 0) return s.entries_added;
  if (cmpLast === 0) return s.entries_added;
  const first = cmpLast > 0 ? undefined : v.first();
  if (first === undefined) return null;
  const noDeletes = s.max_deleted_ms === 0 && s.max_deleted_seq === 0;
  if (noDeletes || compareParts(s.max_deleted_ms, s.max_deleted_seq, first.ms, first.seq) < 0) {
    const cmpFirst = compareParts(ms, seq, first.ms, first.seq);
    if (cmpFirst < 0) return s.entries_added - s.length;
    if (cmpFirst === 0) return s.entries_added - s.length + 1;
  }
  return null;
}

/** A group's position: its last delivered id and read counter. */
export interface GroupPosition {
  lastMs: number;
  lastSeq: number;
  entriesRead: number | null;
}

/** Entries of the stream not yet delivered to the group, or null when unknown (Redis 7 `lag`). */
export function lag(v: LagView, g: GroupPosition): number | null {
  if (v.stream.entries_added === 0) return 0;
  if (g.entriesRead !== null && !hasTombstonesFrom(v, g.lastMs, g.lastSeq)) return v.stream.entries_added - g.entriesRead;
  const read = entriesUpTo(v, g.lastMs, g.lastSeq);
  return read === null ? null : v.stream.entries_added - read;
}

/** Advances the last delivered id past a newly delivered entry, keeping the read counter (Redis 7). */
export function advance(v: LagView, g: GroupPosition, ms: number, seq: number): void {
  if (compareParts(ms, seq, g.lastMs, g.lastSeq) <= 0) return;
  if (g.entriesRead !== null && !hasTombstonesFrom(v, ms, seq)) g.entriesRead++;
  else if (v.stream.entries_added > 0) g.entriesRead = entriesUpTo(v, ms, seq);
  g.lastMs = ms;
  g.lastSeq = seq;
}
