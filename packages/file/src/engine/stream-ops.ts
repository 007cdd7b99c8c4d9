import {
  InvalidOptionError,
  StreamersonError,
  type AppendOptions,
  type FieldValue,
  type RawEntry,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import {
  compareParts,
  formatId,
  nextId,
  parseBound,
  parseId,
  parseRetention,
  type Bound,
  type IdParts,
  type ParsedRetention,
} from '@streamerson/core/internal';
import { entryQuery, selectEntries } from './entry-batch.js';
import { encodeFields, rowEntry, type EntryRow } from './entry-codec.js';
import { multiRowSql, runRows } from './multi-row.js';
import type { FileStore } from './store.js';

/** A row of the streams table: what XINFO reports beside the entries. */
export interface StreamRow {
  readonly name: string;
  readonly last_ms: number;
  readonly last_seq: number;
  readonly entries_added: number;
  readonly length: number;
  readonly max_deleted_ms: number;
  readonly max_deleted_seq: number;
  readonly expires_at: number | null;
}

/** Appends of entries to one stream (`@stream`), several rows per statement (see `runRows`). */
const INSERT_SQL = multiRowSql('INSERT INTO entries (stream, ms, seq, data) VALUES ', '(@stream, ?, ?, ?)');

/** The stream's row, or undefined when it does not exist. */
export function getStream(store: FileStore, name: string): StreamRow | undefined {
  return store.sql('SELECT * FROM streams WHERE name = ?').get(name) as StreamRow | undefined;
}

/** Creates an empty stream whose last id is `last` (XGROUP CREATE … MKSTREAM, or a first append). */
export function createStream(store: FileStore, name: string, last: IdParts = { ms: 0, seq: 0 }): void {
  store
    .sql('INSERT INTO streams (name, last_ms, last_seq, entries_added, length, max_deleted_ms, max_deleted_seq) VALUES (?, ?, ?, 0, 0, 0, 0)')
    .run(name, last.ms, last.seq);
}

/**
 * XADD, inside a write transaction. Everything is validated before anything is
 * written, so a failed append never leaves an empty stream behind.
 */
export function appendEntry(store: FileStore, name: string, fields: readonly FieldValue[], options: AppendOptions = {}): string | null {
  const [result] = appendEntries(store, name, [{ fields, options }]);
  if (result instanceof Error) throw result;
  return result!;
}

/** One append of {@link appendEntries}. */
export interface StreamAppend {
  readonly fields: readonly FieldValue[];
  readonly options: AppendOptions;
}

/**
 * Appends to one stream in order, each as its own XADD (as a pipeline of
 * them): an append that is refused (bad fields, an id too small, bad
 * retention) writes nothing and the next ones go on. The stream's row is read
 * once and written once for all of them. Per append: its id, null (`noMkStream`
 * on a missing stream), or the error that refused it. Errors of SQLite itself
 * are thrown.
 */
export function appendEntries(store: FileStore, name: string, appends: readonly StreamAppend[]): (string | null | StreamersonError)[] {
  const row = getStream(store, name);
  let exists = row !== undefined;
  let lastMs = row?.last_ms ?? 0;
  let lastSeq = row?.last_seq ?? 0;
  let length = row?.length ?? 0;
  let added = 0;
  // Entries not yet inserted: written together (see `runRows`), before a trim and at the end.
  let rows: [number, number, Buffer][] = [];
  const insertRows = (): void => {
    runRows(store, INSERT_SQL, { stream: name }, rows);
    rows = [];
  };
  const out: (string | null | StreamersonError)[] = [];
  for (const { fields, options } of appends) {
    let retention: ParsedRetention | undefined;
    let data: Buffer;
    let id: IdParts;
    try {
      retention = options.retention === undefined ? undefined : parseRetention(options.retention);
      data = encodeFields(fields);
      if (!exists && options.noMkStream === true) {
        if (options.id !== undefined && options.id !== '*') nextId(undefined, options.id);
        out.push(null);
        continue;
      }
      id = nextId(exists ? { lastMs, lastSeq } : undefined, options.id);
    } catch (error) {
      if (!(error instanceof StreamersonError)) throw error;
      out.push(error);
      continue;
    }
    if (!exists) {
      createStream(store, name);
      exists = true;
    }
    rows.push([id.ms, id.seq, data]);
    lastMs = id.ms;
    lastSeq = id.seq;
    length++;
    added++;
    if (retention !== undefined) {
      insertRows();
      length -= trimEntries(store, name, length, retention);
    }
    out.push(formatId(id.ms, id.seq));
  }
  insertRows();
  if (added > 0) {
    store
      .sql('UPDATE streams SET last_ms = ?, last_seq = ?, entries_added = entries_added + ?, length = ? WHERE name = ?')
      .run(lastMs, lastSeq, added, length, name);
    store.touched(name);
  }
  return out;
}

/** Removes the oldest entries as a retention policy says; returns how many went. */
export function applyRetention(store: FileStore, name: string, retention: ParsedRetention): number {
  const stream = getStream(store, name);
  if (stream === undefined) return 0;
  const n = trimEntries(store, name, stream.length, retention);
  if (n > 0) store.sql('UPDATE streams SET length = length - ? WHERE name = ?').run(n, name);
  return n;
}

/** Deletes the entries a retention policy removes from a stream of `length` entries, leaving its row to the caller; returns how many went. */
function trimEntries(store: FileStore, name: string, length: number, retention: ParsedRetention): number {
  if (retention.kind === 'maxLen') {
    const n = Math.min(Math.max(0, length - retention.maxLen), retention.limit);
    if (n === 0) return 0;
    store
      .sql('DELETE FROM entries WHERE stream = @name AND (ms, seq) IN (SELECT ms, seq FROM entries WHERE stream = @name ORDER BY ms, seq LIMIT +@n)')
      .run({ name, n });
    return n;
  }
  const { ms, seq } = retention.minId;
  const limit = retention.limit === Infinity ? -1 : retention.limit;
  return store
    .sql(
      'DELETE FROM entries WHERE stream = @name AND (ms, seq) IN (SELECT ms, seq FROM entries WHERE stream = @name AND (ms, seq) < (@ms, @seq) ORDER BY ms, seq LIMIT +@limit)',
    )
    .run({ name, ms, seq, limit }).changes;
}

/** SQL of a bound on `(ms, seq)`, for a start or an end. */
function boundSql(bound: Bound, isEnd: boolean): string {
  if (isEnd) return bound.exclusive ? '(ms, seq) < (?, ?)' : '(ms, seq) <= (?, ?)';
  return bound.exclusive ? '(ms, seq) > (?, ?)' : '(ms, seq) >= (?, ?)';
}

/** XRANGE / XREVRANGE. */
export function rangeEntries(store: FileStore, name: string, start: string, end: string, count: number, reverse: boolean): RawEntry[] {
  const from = parseBound(start, false);
  const to = parseBound(end, true);
  if (count === 0) return [];
  const order = reverse ? 'ms DESC, seq DESC' : 'ms, seq';
  const rows = store
    .sql(`SELECT ms, seq, data FROM entries WHERE stream = ? AND ${boundSql(from, false)} AND ${boundSql(to, true)} ORDER BY ${order} LIMIT +?`)
    .all(name, from.ms, from.seq, to.ms, to.seq, count === Infinity ? -1 : count) as EntryRow[];
  return rows.map(rowEntry);
}

/** Entries after an id, oldest first (see {@link entriesAfter}). */
const ENTRIES_AFTER = entryQuery('SELECT ms, seq, data FROM entries WHERE stream = ? AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT +?');

/** Entries with ids greater than `after`, oldest first, at most `count` (read as one batch: see `selectEntries`). */
export function entriesAfter(store: FileStore, name: string, after: IdParts, count: number): EntryRow[] {
  return selectEntries(store, ENTRIES_AFTER, [name, after.ms, after.seq, count]);
}

/** The entry with exactly this id. */
export function findEntry(store: FileStore, name: string, ms: number, seq: number): EntryRow | undefined {
  return store.sql('SELECT ms, seq, data FROM entries WHERE stream = ? AND ms = ? AND seq = ?').get(name, ms, seq) as EntryRow | undefined;
}

/** The first (`DESC` false) or last entry of a stream. */
export function edgeEntry(store: FileStore, name: string, last: boolean): EntryRow | undefined {
  const order = last ? 'ms DESC, seq DESC' : 'ms, seq';
  return store.sql(`SELECT ms, seq, data FROM entries WHERE stream = ? ORDER BY ${order} LIMIT 1`).get(name) as EntryRow | undefined;
}

/** A read position with `$` resolved and the id parsed. */
export interface ResolvedPosition {
  readonly stream: string;
  readonly after: IdParts;
}

/** Resolves `$` to the stream's current last id and parses the other ids (an incomplete id gets sequence 0). */
export function resolvePositions(store: FileStore, positions: readonly ReadPosition[]): ResolvedPosition[] {
  return positions.map((p) => {
    if (p === null || typeof p !== 'object' || typeof p.stream !== 'string') {
      throw new InvalidOptionError('positions', 'each position needs a stream name');
    }
    if (p.after === '$') {
      const s = getStream(store, p.stream);
      return { stream: p.stream, after: { ms: s?.last_ms ?? 0, seq: s?.last_seq ?? 0 } };
    }
    return { stream: p.stream, after: parseId(p.after) };
  });
}

/** XREAD without blocking: the streams that have entries after their position. */
export function readEntries(store: FileStore, positions: readonly ResolvedPosition[], count: number): StreamEntries[] {
  const out: StreamEntries[] = [];
  for (const p of positions) {
    const rows = entriesAfter(store, p.stream, p.after, count);
    if (rows.length > 0) out.push({ stream: p.stream, entries: rows.map(rowEntry) });
  }
  return out;
}

/** XDEL of one id; false when it does not exist. */
export function deleteEntry(store: FileStore, stream: StreamRow, ms: number, seq: number): boolean {
  if (store.sql('DELETE FROM entries WHERE stream = ? AND ms = ? AND seq = ?').run(stream.name, ms, seq).changes === 0) return false;
  const larger = compareParts(ms, seq, stream.max_deleted_ms, stream.max_deleted_seq) > 0;
  store
    .sql(
      'UPDATE streams SET length = length - 1, max_deleted_ms = CASE WHEN @larger THEN @ms ELSE max_deleted_ms END, max_deleted_seq = CASE WHEN @larger THEN @seq ELSE max_deleted_seq END WHERE name = @name',
    )
    .run({ name: stream.name, larger: larger ? 1 : 0, ms, seq });
  return true;
}

/** Deletes a stream with its entries, groups, consumers and pending entries; false when it did not exist. */
export function deleteStream(store: FileStore, name: string): boolean {
  if (store.sql('DELETE FROM streams WHERE name = ?').run(name).changes === 0) return false;
  store.sql('DELETE FROM entries WHERE stream = ?').run(name);
  store.sql('DELETE FROM groups WHERE stream = ?').run(name);
  store.sql('DELETE FROM consumers WHERE stream = ?').run(name);
  store.sql('DELETE FROM pending WHERE stream = ?').run(name);
  store.touched(name);
  return true;
}

/** Names of streams whose time to live has passed, at most `limit`. */
export function expiredStreams(store: FileStore, now: number, limit: number): string[] {
  return (store.sql('SELECT name FROM streams WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT +?').all(now, limit) as { name: string }[]).map(
    (r) => r.name,
  );
}
