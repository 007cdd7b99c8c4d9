import {
  EngineError,
  InvalidOptionError,
  type AutoClaimResult,
  type GroupReadPosition,
  type PendingEntry,
  type PendingRangeOptions,
  type PendingSummary,
  type RawEntry,
  type StreamEntries,
} from '@streamerson/core';
import { compareParts, formatId, parseBound, parseId, type IdParts } from '@streamerson/core/internal';
import { rowEntry } from './entry-codec.js';
import { advance, type GroupPosition, type LagView } from './lag.js';
import type { FileStore } from './store.js';
import { createStream, edgeEntry, entriesAfter, findEntry, getStream, type StreamRow } from './stream-ops.js';

/** XAUTOCLAIM scans at most this many PEL entries per entry asked for, as Redis does. */
const AUTOCLAIM_ATTEMPTS_PER_ENTRY = 10;

/**
 * Delivery of new entries into the PEL: one statement for the whole range
 * `(after, last]` of the stream's entries, each made pending from the entries
 * table itself (no parameters per entry); an entry still pending from before
 * a SETID is taken over.
 */
const DELIVER_RANGE_SQL =
  'INSERT INTO pending (stream, grp, ms, seq, consumer, delivery_time, deliveries) SELECT stream, ?, ms, seq, ?, ?, 1 FROM entries' +
  ' WHERE stream = ? AND (ms, seq) > (?, ?) AND (ms, seq) <= (?, ?)' +
  ' ON CONFLICT (stream, grp, ms, seq) DO UPDATE SET consumer = excluded.consumer, delivery_time = excluded.delivery_time, deliveries = 1';

/**
 * XACK of one id: one statement per id. A DELETE of several ids in one
 * statement (`(ms, seq) IN (VALUES …)`) costs SQLite about ten times as much
 * as as many of these (measured with 16 ids), whatever the list's form.
 */
const ACK_SQL = 'DELETE FROM pending WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?';

/** A row of the groups table. */
interface GroupRow {
  readonly last_ms: number;
  readonly last_seq: number;
  readonly entries_read: number | null;
}

/** A row of the pending table. */
interface PendingRow {
  readonly ms: number;
  readonly seq: number;
  readonly consumer: string;
  readonly delivery_time: number;
  readonly deliveries: number;
}

function noGroup(stream: string, group: string): EngineError {
  return new EngineError('ERR_STREAMERSON_NO_GROUP', `no consumer group "${group}" on stream "${stream}"`);
}

function getGroup(store: FileStore, stream: string, group: string): GroupRow | undefined {
  return store.sql('SELECT last_ms, last_seq, entries_read FROM groups WHERE stream = ? AND name = ?').get(stream, group) as GroupRow | undefined;
}

/** The stream and group, or `ERR_STREAMERSON_NO_GROUP`. */
export function requireGroup(store: FileStore, stream: string, group: string): { s: StreamRow; g: GroupRow } {
  const s = getStream(store, stream);
  const g = s === undefined ? undefined : getGroup(store, stream, group);
  if (s === undefined || g === undefined) throw noGroup(stream, group);
  return { s, g };
}

/** A stream's row with its first entry (looked up once, when needed), for read-counter bookkeeping. */
export function lagView(store: FileStore, s: StreamRow): LagView {
  let first: IdParts | undefined | null = null;
  return {
    stream: s,
    first: () => {
      if (first === null) {
        const row = edgeEntry(store, s.name, false);
        first = row === undefined ? undefined : { ms: row.ms, seq: row.seq };
      }
      return first;
    },
  };
}

/** Parses a group start: `$` (the stream's last id) or an id. */
function groupStart(s: StreamRow | undefined, start: string): IdParts {
  if (start === '$') return { ms: s?.last_ms ?? 0, seq: s?.last_seq ?? 0 };
  return parseId(start);
}

/** XGROUP CREATE … MKSTREAM; false when the group exists. */
export function createGroup(store: FileStore, stream: string, group: string, start: string): boolean {
  const s = getStream(store, stream);
  const at = groupStart(s, start);
  if (s === undefined) createStream(store, stream);
  else if (getGroup(store, stream, group) !== undefined) return false;
  store.sql('INSERT INTO groups (stream, name, last_ms, last_seq, entries_read) VALUES (?, ?, ?, ?, NULL)').run(stream, group, at.ms, at.seq);
  return true;
}

/** XGROUP DESTROY; false when the group did not exist. Blocked group reads on it then fail with NO_GROUP. */
export function destroyGroup(store: FileStore, stream: string, group: string): boolean {
  if (store.sql('DELETE FROM groups WHERE stream = ? AND name = ?').run(stream, group).changes === 0) return false;
  store.sql('DELETE FROM consumers WHERE stream = ? AND grp = ?').run(stream, group);
  store.sql('DELETE FROM pending WHERE stream = ? AND grp = ?').run(stream, group);
  store.touched(stream);
  return true;
}

/** XGROUP SETID. The read counter becomes unknown, as in Redis. */
export function setGroupId(store: FileStore, stream: string, group: string, id: string): void {
  const at = groupStart(getStream(store, stream), id);
  requireGroup(store, stream, group);
  store.sql('UPDATE groups SET last_ms = ?, last_seq = ?, entries_read = NULL WHERE stream = ? AND name = ?').run(at.ms, at.seq, stream, group);
}

/**
 * Checks a group read's positions before anything is read or created, and
 * returns each position's stream and group rows.
 */
function checkGroupPositions(store: FileStore, group: string, positions: readonly GroupReadPosition[]): { s: StreamRow; g: GroupRow }[] {
  for (const p of positions) {
    if (p === null || typeof p !== 'object' || typeof p.stream !== 'string') {
      throw new InvalidOptionError('positions', 'each position needs a stream name');
    }
    if (p.after !== '>') parseId(p.after);
  }
  return positions.map((p) => requireGroup(store, p.stream, group));
}

function consumerExists(store: FileStore, stream: string, group: string, consumer: string): boolean {
  return store.sql('SELECT 1 FROM consumers WHERE stream = ? AND grp = ? AND name = ?').get(stream, group, consumer) !== undefined;
}

/**
 * Creates the consumer when missing and sets its last-seen time (and its
 * active time when `active`), the times at most every
 * `SEEN_TIME_RESOLUTION_MS` per consumer (see `SeenTimes`).
 */
function seeConsumer(store: FileStore, stream: string, group: string, consumer: string, now: number, active: boolean): void {
  if (!store.seenTimes.due(stream, group, consumer, now, active) && consumerExists(store, stream, group, consumer)) return;
  store
    .sql(
      `INSERT INTO consumers (stream, grp, name, seen_time, active_time) VALUES (@stream, @group, @consumer, @now, ${active ? '@now' : 'NULL'})
       ON CONFLICT (stream, grp, name) DO UPDATE SET seen_time = @now${active ? ', active_time = @now' : ''}`,
    )
    .run({ stream, group, consumer, now });
  store.seenTimes.wrote(stream, group, consumer, now, active);
}

/**
 * XREADGROUP without blocking, inside a write transaction. `>` delivers new
 * entries (into the PEL unless `noAck`); an id re-delivers this consumer's own
 * pending entries after it, counting the delivery, and lists pending entries
 * deleted from the stream with no fields and an unchanged count. As in Redis,
 * a stream read by id is in the result even with no entries; a `>` stream only
 * when it has some.
 */
export function readGroupEntries(
  store: FileStore,
  group: string,
  consumer: string,
  positions: readonly GroupReadPosition[],
  count: number,
  noAck: boolean,
): StreamEntries[] {
  const rows = checkGroupPositions(store, group, positions);
  const now = Date.now();
  const out: StreamEntries[] = [];
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    // A stream named twice reads its rows again: the earlier position may have moved its group.
    const { s, g } = positions.findIndex((q) => q.stream === p.stream) < i ? requireGroup(store, p.stream, group) : rows[i]!;
    const entries: RawEntry[] = [];
    if (p.after === '>') {
      // Nothing was appended after the group's last id: no entries to look for.
      const fresh =
        compareParts(s.last_ms, s.last_seq, g.last_ms, g.last_seq) > 0 ? entriesAfter(store, p.stream, { ms: g.last_ms, seq: g.last_seq }, count) : [];
      // As in Redis, a `>` read that serves nothing does not create its consumer.
      if (fresh.length === 0) {
        if (store.seenTimes.due(p.stream, group, consumer, now, false) && consumerExists(store, p.stream, group, consumer))
          seeConsumer(store, p.stream, group, consumer, now, false);
        continue;
      }
      const view = lagView(store, s);
      const position: GroupPosition = { lastMs: g.last_ms, lastSeq: g.last_seq, entriesRead: g.entries_read };
      for (const e of fresh) {
        advance(view, position, e.ms, e.seq);
        entries.push(rowEntry(e));
      }
      if (!noAck) {
        const last = fresh[fresh.length - 1]!;
        store.sql(DELIVER_RANGE_SQL).run(group, consumer, now, p.stream, g.last_ms, g.last_seq, last.ms, last.seq);
      }
      store
        .sql('UPDATE groups SET last_ms = ?, last_seq = ?, entries_read = ? WHERE stream = ? AND name = ?')
        .run(position.lastMs, position.lastSeq, position.entriesRead, p.stream, group);
      out.push({ stream: p.stream, entries });
    } else {
      const after = parseId(p.after);
      const records = store
        .sql('SELECT ms, seq FROM pending WHERE stream = ? AND grp = ? AND consumer = ? AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT +?')
        .all(p.stream, group, consumer, after.ms, after.seq, count) as { ms: number; seq: number }[];
      const redeliver = store.sql('UPDATE pending SET deliveries = deliveries + 1, delivery_time = ? WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?');
      for (const r of records) {
        const e = findEntry(store, p.stream, r.ms, r.seq);
        if (e === undefined) {
          entries.push({ id: formatId(r.ms, r.seq), fields: [] });
          continue;
        }
        redeliver.run(now, p.stream, group, r.ms, r.seq);
        entries.push(rowEntry(e));
      }
      out.push({ stream: p.stream, entries });
    }
    seeConsumer(store, p.stream, group, consumer, now, entries.length > 0);
  }
  return out;
}

/**
 * Whether a `>` read of `group` on these streams has nothing to deliver: each
 * group was given its stream's last id. Reads only, so that a blocked group
 * read woken by an append to another stream (or in another bucket's file)
 * checks without a write transaction. A missing stream or group says false:
 * the read itself reports it.
 */
export function nothingToDeliver(store: FileStore, group: string, streams: readonly string[]): boolean {
  const heads = store.sql(
    'SELECT s.last_ms AS s_ms, s.last_seq AS s_seq, g.last_ms AS g_ms, g.last_seq AS g_seq FROM streams s JOIN groups g ON g.stream = s.name WHERE s.name = ? AND g.name = ?',
  );
  for (const stream of streams) {
    const r = heads.get(stream, group) as { s_ms: number; s_seq: number; g_ms: number; g_seq: number } | undefined;
    if (r === undefined || compareParts(r.s_ms, r.s_seq, r.g_ms, r.g_seq) > 0) return false;
  }
  return true;
}

/** XACK: how many of the ids were pending. A missing stream or group acknowledges nothing, as in Redis. */
export function ackEntries(store: FileStore, stream: string, group: string, ids: readonly string[]): number {
  const parsed = ids.map((id) => parseId(id));
  const ack = store.sql(ACK_SQL);
  let acked = 0;
  for (const p of parsed) acked += ack.run(stream, group, p.ms, p.seq).changes;
  return acked;
}

/** XPENDING summary. Consumers with pending entries, by name. */
export function pendingSummary(store: FileStore, stream: string, group: string): PendingSummary {
  requireGroup(store, stream, group);
  const edge = (order: string): string | null => {
    const r = store.sql(`SELECT ms, seq FROM pending WHERE stream = ? AND grp = ? ORDER BY ${order} LIMIT 1`).get(stream, group) as
      | { ms: number; seq: number }
      | undefined;
    return r === undefined ? null : formatId(r.ms, r.seq);
  };
  const consumers = store
    .sql('SELECT consumer AS name, count(*) AS pending FROM pending WHERE stream = ? AND grp = ? GROUP BY consumer ORDER BY consumer')
    .all(stream, group) as { name: string; pending: number }[];
  const count = consumers.reduce((n, c) => n + c.pending, 0);
  return { count, lowestId: edge('ms, seq'), highestId: edge('ms DESC, seq DESC'), consumers };
}

/** XPENDING with a range. */
export function pendingRange(store: FileStore, stream: string, group: string, options: PendingRangeOptions, count: number): PendingEntry[] {
  const start = parseBound(options.start ?? '-', false);
  const end = parseBound(options.end ?? '+', true);
  requireGroup(store, stream, group);
  if (count === 0) return [];
  const now = Date.now();
  const byConsumer = options.consumer === undefined ? '' : 'AND consumer = @consumer';
  const rows = store
    .sql(
      `SELECT ms, seq, consumer, delivery_time, deliveries FROM pending WHERE stream = @stream AND grp = @group
       AND (ms, seq) ${start.exclusive ? '>' : '>='} (@startMs, @startSeq) AND (ms, seq) ${end.exclusive ? '<' : '<='} (@endMs, @endSeq) ${byConsumer}
       AND max(0, @now - delivery_time) >= @minIdle ORDER BY ms, seq LIMIT +@count`,
    )
    .all({
      stream,
      group,
      startMs: start.ms,
      startSeq: start.seq,
      endMs: end.ms,
      endSeq: end.seq,
      ...(options.consumer === undefined ? {} : { consumer: options.consumer }),
      now,
      minIdle: options.minIdleMs ?? 0,
      count,
    }) as PendingRow[];
  return rows.map((r) => ({ id: formatId(r.ms, r.seq), consumer: r.consumer, idleMs: Math.max(0, now - r.delivery_time), deliveries: r.deliveries }));
}

/** Gives a pending entry to `consumer` as XCLAIM/XAUTOCLAIM do. */
function take(store: FileStore, stream: string, group: string, r: PendingRow, consumer: string, now: number, countDelivery: boolean): void {
  store
    .sql('UPDATE pending SET consumer = ?, delivery_time = ?, deliveries = deliveries + ? WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?')
    .run(consumer, now, countDelivery ? 1 : 0, stream, group, r.ms, r.seq);
}

function dropPending(store: FileStore, stream: string, group: string, ms: number, seq: number): void {
  store.sql('DELETE FROM pending WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?').run(stream, group, ms, seq);
}

/**
 * XCLAIM. Pending ids whose entries were deleted are dropped from the PEL and
 * not returned (Redis 7); the consumer is created only when it gets entries.
 */
export function claimEntries(
  store: FileStore,
  stream: string,
  group: string,
  consumer: string,
  ids: readonly string[],
  minIdleMs: number,
  justId: boolean,
): RawEntry[] {
  const parsed = ids.map((id) => parseId(id));
  requireGroup(store, stream, group);
  const now = Date.now();
  const out: RawEntry[] = [];
  const get = store.sql('SELECT ms, seq, consumer, delivery_time, deliveries FROM pending WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?');
  for (const p of parsed) {
    const r = get.get(stream, group, p.ms, p.seq) as PendingRow | undefined;
    if (r === undefined || now - r.delivery_time < minIdleMs) continue;
    const e = findEntry(store, stream, p.ms, p.seq);
    if (e === undefined) {
      dropPending(store, stream, group, p.ms, p.seq);
      continue;
    }
    take(store, stream, group, r, consumer, now, !justId);
    out.push(rowEntry(e));
  }
  if (out.length > 0) seeConsumer(store, stream, group, consumer, now, true);
  return out;
}

/** XAUTOCLAIM: scans the PEL from `start`; deleted entries count towards `count`, as in Redis. */
export function autoClaimEntries(
  store: FileStore,
  stream: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  start: string,
  count: number,
): AutoClaimResult {
  const from = parseId(start);
  requireGroup(store, stream, group);
  const now = Date.now();
  const entries: RawEntry[] = [];
  const deletedIds: string[] = [];
  let attempts = count * AUTOCLAIM_ATTEMPTS_PER_ENTRY;
  let left = count;
  let next = '0-0';
  const rows = store
    .sql('SELECT ms, seq, consumer, delivery_time, deliveries FROM pending WHERE stream = ? AND grp = ? AND (ms, seq) >= (?, ?) ORDER BY ms, seq LIMIT +?')
    .all(stream, group, from.ms, from.seq, attempts + 1) as PendingRow[];
  for (const r of rows) {
    if (attempts === 0 || left === 0) {
      next = formatId(r.ms, r.seq);
      break;
    }
    attempts--;
    if (now - r.delivery_time < minIdleMs) continue;
    const e = findEntry(store, stream, r.ms, r.seq);
    left--;
    if (e === undefined) {
      dropPending(store, stream, group, r.ms, r.seq);
      deletedIds.push(formatId(r.ms, r.seq));
      continue;
    }
    take(store, stream, group, r, consumer, now, true);
    entries.push(rowEntry(e));
  }
  if (entries.length > 0) seeConsumer(store, stream, group, consumer, now, true);
  return { next, entries, deletedIds };
}

/** XGROUP DELCONSUMER: how many pending entries the consumer had (they leave the PEL). */
export function deleteConsumer(store: FileStore, stream: string, group: string, consumer: string): number {
  requireGroup(store, stream, group);
  if (store.sql('DELETE FROM consumers WHERE stream = ? AND grp = ? AND name = ?').run(stream, group, consumer).changes === 0) return 0;
  return store.sql('DELETE FROM pending WHERE stream = ? AND grp = ? AND consumer = ?').run(stream, group, consumer).changes;
}
