import { compareParts } from './ids.js';
import type { MemoryStream } from './memory-stream.js';

/** One entry of a pending entries list (PEL), shared by the group's and its consumer's list. */
export interface PendingRecord {
  readonly id: string;
  readonly ms: number;
  readonly seq: number;
  consumer: Consumer;
  /** When the entry was last delivered (Date.now()). */
  deliveryTime: number;
  deliveries: number;
}

/** A consumer of a group. */
export class Consumer {
  readonly pending = new Map<string, PendingRecord>();
  /** Last read or claim attempt (Redis `seen-time`). */
  seenTime: number;
  /** Last read or claim that delivered entries (Redis 7.2 `active-time`); null when never. */
  activeTime: number | null = null;

  constructor(
    readonly name: string,
    now: number,
  ) {
    this.seenTime = now;
  }
}

/**
 * A consumer group: its last delivered id, its read counter (for `lag`, as in
 * Redis 7) and its PEL. The PEL is a Map in id order: entries are almost
 * always added in increasing id order, so the Map's insertion order is kept
 * sorted for free, and the rare out-of-order insert (after the group's id was
 * moved back) only marks it for one re-sort before the next ordered scan.
 */
export class ConsumerGroup {
  lastMs: number;
  lastSeq: number;
  /** Entries read by the group so far (Redis `entries-read`); null when unknown. */
  entriesRead: number | null = null;
  private pel = new Map<string, PendingRecord>();
  private sorted = true;
  private maxMs = 0;
  private maxSeq = 0;
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    ms: number,
    seq: number,
  ) {
    this.lastMs = ms;
    this.lastSeq = seq;
  }

  get pendingCount(): number {
    return this.pel.size;
  }

  /** The consumer, created when missing. */
  consumer(name: string, now: number): Consumer {
    let c = this.consumers.get(name);
    if (c === undefined) {
      c = new Consumer(name, now);
      this.consumers.set(name, c);
    }
    return c;
  }

  getPending(id: string): PendingRecord | undefined {
    return this.pel.get(id);
  }

  /**
   * Records a delivery: a new PEL entry with count 1, or (for an id already
   * pending, possible after the group's id was moved back) a reassignment with
   * its count reset to 1, as Redis does.
   */
  deliver(id: string, ms: number, seq: number, consumer: Consumer, now: number): void {
    const existing = this.pel.get(id);
    if (existing !== undefined) {
      existing.consumer.pending.delete(id);
      existing.consumer = consumer;
      existing.deliveryTime = now;
      existing.deliveries = 1;
      consumer.pending.set(id, existing);
      return;
    }
    const record: PendingRecord = { id, ms, seq, consumer, deliveryTime: now, deliveries: 1 };
    if (this.pel.size > 0 && compareParts(ms, seq, this.maxMs, this.maxSeq) < 0) this.sorted = false;
    else {
      this.maxMs = ms;
      this.maxSeq = seq;
    }
    this.pel.set(id, record);
    consumer.pending.set(id, record);
  }

  /** Moves a pending entry to another consumer. */
  transfer(record: PendingRecord, to: Consumer): void {
    if (record.consumer === to) return;
    record.consumer.pending.delete(record.id);
    record.consumer = to;
    to.pending.set(record.id, record);
  }

  /** Drops an entry from the PEL; false when it was not pending. */
  remove(id: string): boolean {
    const record = this.pel.get(id);
    if (record === undefined) return false;
    this.pel.delete(id);
    record.consumer.pending.delete(id);
    if (this.pel.size === 0) {
      this.sorted = true;
      this.maxMs = 0;
      this.maxSeq = 0;
    }
    return true;
  }

  /** Deletes a consumer and its pending entries; returns how many it had. */
  deleteConsumer(name: string): number {
    const c = this.consumers.get(name);
    if (c === undefined) return 0;
    const n = c.pending.size;
    for (const id of c.pending.keys()) this.pel.delete(id);
    this.consumers.delete(name);
    return n;
  }

  /** The PEL in id order. */
  ordered(): IterableIterator<PendingRecord> {
    if (!this.sorted) {
      const records = [...this.pel.values()].sort((a, b) => compareParts(a.ms, a.seq, b.ms, b.seq));
      this.pel = new Map(records.map((r) => [r.id, r]));
      const last = records[records.length - 1];
      this.maxMs = last?.ms ?? 0;
      this.maxSeq = last?.seq ?? 0;
      this.sorted = true;
    }
    return this.pel.values();
  }

  /** Entries of the stream not yet delivered to the group, or null when unknown (Redis 7 `lag`). */
  lag(stream: MemoryStream): number | null {
    if (stream.entriesAdded === 0) return 0;
    if (this.entriesRead !== null && !stream.hasTombstonesFrom(this.lastMs, this.lastSeq)) {
      return stream.entriesAdded - this.entriesRead;
    }
    const read = stream.entriesUpTo(this.lastMs, this.lastSeq);
    return read === null ? null : stream.entriesAdded - read;
  }

  /** Advances the last delivered id past a newly delivered entry, keeping the read counter (Redis 7). */
  advance(stream: MemoryStream, ms: number, seq: number): void {
    if (compareParts(ms, seq, this.lastMs, this.lastSeq) <= 0) return;
    if (this.entriesRead !== null && !stream.hasTombstonesFrom(ms, seq)) this.entriesRead++;
    else if (stream.entriesAdded > 0) this.entriesRead = stream.entriesUpTo(ms, seq);
    this.lastMs = ms;
    this.lastSeq = seq;
  }
}
