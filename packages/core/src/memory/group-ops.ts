import type {
  AutoClaimResult,
  GroupReadPosition,
  GroupStart,
  PendingEntry,
  PendingRangeOptions,
  PendingSummary,
  RawEntry,
  StreamEntries,
} from '../engine/types.js';
import { EngineError, InvalidOptionError } from '../errors.js';
import { type Consumer, ConsumerGroup, type PendingRecord } from './consumer-group.js';
import { afterStart, beforeEnd, compareParts, formatId, parseBound, parseId, type IdParts } from './ids.js';
import { MemoryStream } from './memory-stream.js';
import type { MemoryStore } from './memory-store.js';
import { deletedEntry, toRawEntry } from './stored-entry.js';

/** XAUTOCLAIM scans at most this many PEL entries per entry asked for, as Redis does. */
const AUTOCLAIM_ATTEMPTS_PER_ENTRY = 10;

function noGroup(stream: string, group: string): EngineError {
  return new EngineError('ERR_STREAMERSON_NO_GROUP', `no consumer group "${group}" on stream "${stream}"`);
}

/** The stream and group, or `ERR_STREAMERSON_NO_GROUP`. */
export function requireGroup(store: MemoryStore, stream: string, group: string): { s: MemoryStream; g: ConsumerGroup } {
  const s = store.streams.get(stream);
  const g = s?.groups.get(group);
  if (s === undefined || g === undefined) throw noGroup(stream, group);
  return { s, g };
}

/** Parses a group start: `$` (the stream's last id) or an id. */
function groupStart(s: MemoryStream | undefined, start: string): IdParts {
  if (start === '$') return { ms: s?.lastMs ?? 0, seq: s?.lastSeq ?? 0 };
  return parseId(start);
}

/** XGROUP CREATE … MKSTREAM; false when the group exists. */
export function createGroup(store: MemoryStore, stream: string, group: string, start: GroupStart): boolean {
  let s = store.streams.get(stream);
  const at = groupStart(s, start);
  if (s === undefined) {
    s = new MemoryStream();
    store.streams.set(stream, s);
  }
  if (s.groups.has(group)) return false;
  s.groups.set(group, new ConsumerGroup(group, at.ms, at.seq));
  return true;
}

/** XGROUP SETID. The read counter becomes unknown, as in Redis. */
export function setGroupId(store: MemoryStore, stream: string, group: string, id: string): void {
  const at = groupStart(store.streams.get(stream), id);
  const { g } = requireGroup(store, stream, group);
  g.lastMs = at.ms;
  g.lastSeq = at.seq;
  g.entriesRead = null;
}

/** Checks a group read's positions before anything is read or created. */
export function checkGroupPositions(store: MemoryStore, group: string, positions: readonly GroupReadPosition[]): void {
  for (const p of positions) {
    if (p === null || typeof p !== 'object' || typeof p.stream !== 'string') {
      throw new InvalidOptionError('positions', 'each position needs a stream name');
    }
    if (p.after !== '>') parseId(p.after);
  }
  for (const p of positions) requireGroup(store, p.stream, group);
}

/**
 * XREADGROUP without blocking. `>` delivers new entries (into the PEL unless
 * `noAck`); an id re-delivers this consumer's own pending entries after it,
 * counting the delivery, and lists pending entries deleted from the stream
 * with no fields and an unchanged count. As in Redis, a stream read by id is
 * in the result even with no entries; a `>` stream only when it has some.
 */
export function readGroupEntries(
  store: MemoryStore,
  group: string,
  consumerName: string,
  positions: readonly GroupReadPosition[],
  count: number,
  noAck: boolean,
): StreamEntries[] {
  checkGroupPositions(store, group, positions);
  const now = Date.now();
  const out: StreamEntries[] = [];
  for (const p of positions) {
    const { s, g } = requireGroup(store, p.stream, group);
    const fresh = p.after === '>' ? s.after(g.lastMs, g.lastSeq, count) : undefined;
    // As in Redis, a `>` read that serves nothing does not create its consumer.
    if (fresh !== undefined && fresh.length === 0 && !g.consumers.has(consumerName)) continue;
    const consumer = g.consumer(consumerName, now);
    consumer.seenTime = now;
    const entries: RawEntry[] = [];
    if (fresh !== undefined) {
      for (const e of fresh) {
        g.advance(s, e.ms, e.seq);
        if (!noAck) g.deliver(e.id, e.ms, e.seq, consumer, now);
        entries.push(toRawEntry(e));
      }
      if (entries.length > 0) out.push({ stream: p.stream, entries });
    } else {
      const after = parseId(p.after);
      for (const record of ownPendingAfter(consumer, after, count)) {
        const e = s.find(record.ms, record.seq);
        if (e === undefined) {
          entries.push(deletedEntry(record.id));
          continue;
        }
        record.deliveries++;
        record.deliveryTime = now;
        entries.push(toRawEntry(e));
      }
      out.push({ stream: p.stream, entries });
    }
    if (entries.length > 0) consumer.activeTime = now;
  }
  return out;
}

function ownPendingAfter(consumer: Consumer, after: IdParts, count: number): PendingRecord[] {
  const records: PendingRecord[] = [];
  for (const r of consumer.pending.values()) {
    if (compareParts(r.ms, r.seq, after.ms, after.seq) > 0) records.push(r);
  }
  records.sort((a, b) => compareParts(a.ms, a.seq, b.ms, b.seq));
  return records.length > count ? records.slice(0, count) : records;
}

/** XACK: how many of the ids were pending. A missing stream or group acknowledges nothing, as in Redis. */
export function ackEntries(store: MemoryStore, stream: string, group: string, ids: readonly string[]): number {
  const keys = ids.map((id) => {
    const p = parseId(id);
    return formatId(p.ms, p.seq);
  });
  const g = store.streams.get(stream)?.groups.get(group);
  if (g === undefined) return 0;
  let n = 0;
  for (const key of keys) if (g.remove(key)) n++;
  return n;
}

/** XPENDING summary. Consumers with pending entries, by name. */
export function pendingSummary(store: MemoryStore, stream: string, group: string): PendingSummary {
  const { g } = requireGroup(store, stream, group);
  let lowestId: string | null = null;
  let highestId: string | null = null;
  for (const r of g.ordered()) {
    lowestId ??= r.id;
    highestId = r.id;
  }
  const consumers = [...g.consumers.values()]
    .filter((c) => c.pending.size > 0)
    .map((c) => ({ name: c.name, pending: c.pending.size }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { count: g.pendingCount, lowestId, highestId, consumers };
}

/** XPENDING with a range. */
export function pendingRange(store: MemoryStore, stream: string, group: string, options: PendingRangeOptions, count: number): PendingEntry[] {
  const start = parseBound(options.start ?? '-', false);
  const end = parseBound(options.end ?? '+', true);
  const { g } = requireGroup(store, stream, group);
  const now = Date.now();
  const minIdle = options.minIdleMs ?? 0;
  const out: PendingEntry[] = [];
  if (count === 0) return out;
  for (const r of g.ordered()) {
    if (!afterStart(r.ms, r.seq, start)) continue;
    if (!beforeEnd(r.ms, r.seq, end)) break;
    if (options.consumer !== undefined && r.consumer.name !== options.consumer) continue;
    const idleMs = Math.max(0, now - r.deliveryTime);
    if (idleMs < minIdle) continue;
    out.push({ id: r.id, consumer: r.consumer.name, idleMs, deliveries: r.deliveries });
    if (out.length >= count) break;
  }
  return out;
}

/** Gives a pending entry to `consumer` as XCLAIM/XAUTOCLAIM do. */
function take(g: ConsumerGroup, record: PendingRecord, consumer: Consumer, now: number, countDelivery: boolean): void {
  g.transfer(record, consumer);
  record.deliveryTime = now;
  if (countDelivery) record.deliveries++;
}

/**
 * XCLAIM. Pending ids whose entries were deleted are dropped from the PEL and
 * not returned (Redis 7); the consumer is created only when it gets entries.
 */
export function claimEntries(
  store: MemoryStore,
  stream: string,
  group: string,
  consumerName: string,
  ids: readonly string[],
  minIdleMs: number,
  justId: boolean,
): RawEntry[] {
  const parsed = ids.map((id) => parseId(id));
  const { s, g } = requireGroup(store, stream, group);
  const now = Date.now();
  const out: RawEntry[] = [];
  let consumer: Consumer | undefined;
  for (const p of parsed) {
    const record = g.getPending(formatId(p.ms, p.seq));
    if (record === undefined || now - record.deliveryTime < minIdleMs) continue;
    const e = s.find(p.ms, p.seq);
    if (e === undefined) {
      g.remove(record.id);
      continue;
    }
    consumer ??= g.consumer(consumerName, now);
    take(g, record, consumer, now, !justId);
    out.push(toRawEntry(e));
  }
  if (consumer !== undefined) consumer.seenTime = consumer.activeTime = now;
  return out;
}

/** XAUTOCLAIM: scans the PEL from `start`; deleted entries count towards `count`, as in Redis. */
export function autoClaimEntries(
  store: MemoryStore,
  stream: string,
  group: string,
  consumerName: string,
  minIdleMs: number,
  start: string,
  count: number,
): AutoClaimResult {
  const from = parseId(start);
  const { s, g } = requireGroup(store, stream, group);
  const now = Date.now();
  const entries: RawEntry[] = [];
  const deletedIds: string[] = [];
  let attempts = count * AUTOCLAIM_ATTEMPTS_PER_ENTRY;
  let left = count;
  let next = '0-0';
  let consumer: Consumer | undefined;
  for (const r of g.ordered()) {
    if (compareParts(r.ms, r.seq, from.ms, from.seq) < 0) continue;
    if (attempts === 0 || left === 0) {
      next = r.id;
      break;
    }
    attempts--;
    if (now - r.deliveryTime < minIdleMs) continue;
    const e = s.find(r.ms, r.seq);
    left--;
    if (e === undefined) {
      g.remove(r.id);
      deletedIds.push(r.id);
      continue;
    }
    consumer ??= g.consumer(consumerName, now);
    take(g, r, consumer, now, true);
    entries.push(toRawEntry(e));
  }
  if (consumer !== undefined) consumer.seenTime = consumer.activeTime = now;
  return { next, entries, deletedIds };
}
