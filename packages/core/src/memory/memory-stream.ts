import type { ConsumerGroup } from './consumer-group.js';
import { afterStart, beforeEnd, compareParts, type Bound } from './ids.js';
import type { StoredEntry } from './stored-entry.js';

/** Below this many dead slots at the head of the entry array, trimming only moves the head. */
const COMPACT_MIN_HEAD = 1024;

/**
 * One stream: entries in id order in an array with a moving head, so that
 * appends and trims from the head are amortised O(1) and ranges are found by
 * binary search. Also holds what XINFO reports (entries added, last generated
 * id, largest deleted id) and the stream's consumer groups.
 */
export class MemoryStream {
  private entries: StoredEntry[] = [];
  private head = 0;
  lastMs = 0;
  lastSeq = 0;
  entriesAdded = 0;
  /** Largest id removed by {@link delete} (XDEL), for lag bookkeeping as in Redis 7. */
  maxDeletedMs = 0;
  maxDeletedSeq = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  get length(): number {
    return this.entries.length - this.head;
  }

  first(): StoredEntry | undefined {
    return this.entries[this.head];
  }

  last(): StoredEntry | undefined {
    return this.length === 0 ? undefined : this.entries[this.entries.length - 1];
  }

  /** Appends an entry whose id the caller checked to be greater than the last id. */
  push(entry: StoredEntry): void {
    this.entries.push(entry);
    this.lastMs = entry.ms;
    this.lastSeq = entry.seq;
    this.entriesAdded++;
  }

  /** Index of the first entry inside the start bound. */
  private lowerIndex(start: Bound): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      if (afterStart(e.ms, e.seq, start)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index one past the last entry inside the end bound. */
  private upperIndex(end: Bound): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      if (beforeEnd(e.ms, e.seq, end)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Entries inside both bounds, oldest first, at most `count`. */
  range(start: Bound, end: Bound, count: number): StoredEntry[] {
    const from = this.lowerIndex(start);
    const to = Math.min(this.upperIndex(end), from + count);
    return from < to ? this.entries.slice(from, to) : [];
  }

  /** Entries inside both bounds, newest first, at most `count`. */
  revRange(start: Bound, end: Bound, count: number): StoredEntry[] {
    const from = this.lowerIndex(start);
    const to = this.upperIndex(end);
    const out: StoredEntry[] = [];
    for (let i = to - 1; i >= from && out.length < count; i--) out.push(this.entries[i]!);
    return out;
  }

  /** Entries with ids strictly greater than `ms-seq`, at most `count`. */
  after(ms: number, seq: number, count: number): StoredEntry[] {
    const last = this.last();
    if (last === undefined || compareParts(last.ms, last.seq, ms, seq) <= 0) return [];
    const from = this.lowerIndex({ ms, seq, exclusive: true });
    return this.entries.slice(from, Math.min(this.entries.length, from + count));
  }

  /** The entry with exactly this id. */
  find(ms: number, seq: number): StoredEntry | undefined {
    const i = this.lowerIndex({ ms, seq, exclusive: false });
    const e = this.entries[i];
    return e !== undefined && e.ms === ms && e.seq === seq ? e : undefined;
  }

  /** Removes one entry (XDEL); false when it does not exist. */
  delete(ms: number, seq: number): boolean {
    const i = this.lowerIndex({ ms, seq, exclusive: false });
    const e = this.entries[i];
    if (e === undefined || e.ms !== ms || e.seq !== seq) return false;
    if (i === this.head) this.dropHead(1);
    else this.entries.splice(i, 1);
    if (compareParts(ms, seq, this.maxDeletedMs, this.maxDeletedSeq) > 0) {
      this.maxDeletedMs = ms;
      this.maxDeletedSeq = seq;
    }
    return true;
  }

  /** Removes the oldest entries so that at most `maxLen` remain, at most `limit` of them; returns how many went. */
  trimMaxLen(maxLen: number, limit: number): number {
    const n = Math.min(Math.max(0, this.length - maxLen), limit);
    this.dropHead(n);
    return n;
  }

  /** Removes entries with ids below `ms-seq`, at most `limit` of them; returns how many went. */
  trimMinId(ms: number, seq: number, limit: number): number {
    const n = Math.min(this.lowerIndex({ ms, seq, exclusive: false }) - this.head, limit);
    this.dropHead(n);
    return n;
  }

  private dropHead(n: number): void {
    if (n <= 0) return;
    // Release references so trimmed entries can be collected before the next compaction.
    this.entries.fill(undefined as unknown as StoredEntry, this.head, this.head + n);
    this.head += n;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_MIN_HEAD && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Whether an id at or after `fromMs-fromSeq` may have been deleted by XDEL (Redis `streamRangeHasTombstones`). */
  hasTombstonesFrom(fromMs: number, fromSeq: number): boolean {
    if (this.length === 0 || (this.maxDeletedMs === 0 && this.maxDeletedSeq === 0)) return false;
    const first = this.first()!;
    if (compareParts(first.ms, first.seq, this.maxDeletedMs, this.maxDeletedSeq) > 0) return false;
    return compareParts(fromMs, fromSeq, this.maxDeletedMs, this.maxDeletedSeq) <= 0;
  }

  /**
   * How many entries were ever added up to and including `ms-seq`, or null
   * when that cannot be told (Redis `streamEstimateDistanceFromFirstEverEntry`).
   */
  entriesUpTo(ms: number, seq: number): number | null {
    if (this.entriesAdded === 0) return 0;
    const cmpLast = compareParts(ms, seq, this.lastMs, this.lastSeq);
    if (this.length === 0 && cmpLast <= 0) return this.entriesAdded;
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return null;
    const first = this.first()!;
    const noDeletes = this.maxDeletedMs === 0 && this.maxDeletedSeq === 0;
    if (noDeletes || compareParts(this.maxDeletedMs, this.maxDeletedSeq, first.ms, first.seq) < 0) {
      const cmpFirst = compareParts(ms, seq, first.ms, first.seq);
      if (cmpFirst < 0) return this.entriesAdded - this.length;
      if (cmpFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return null;
  }
}
