import type { EntryRow } from './entry-codec.js';
import type { FileStore } from './store.js';

/**
 * A query of entries read as a single result row: their `ms`, `seq` and data
 * sizes as one comma-separated list and their data concatenated into one BLOB,
 * which the rows then share (each row's `data` is a view of it). Read row by
 * row, better-sqlite3 allocates and copies a Buffer per entry, which costs
 * more than the rest of the read; read so, one per read.
 *
 * It relies on two behaviours of SQLite, which `entry-batch.test.ts` checks:
 * `group_concat` of BLOBs joins their bytes unchanged (in a UTF-8 database,
 * as every store is, a BLOB's text is its bytes), and the aggregates of one
 * query take the rows in the order the subquery returns them. A read whose
 * data would pass SQLite's largest value (`SQLITE_TOOBIG`, 1 GB) is read row
 * by row.
 */
export interface EntryQuery {
  /** The query of the rows, selecting `ms, seq, data`. */
  readonly rows: string;
  /** The same rows as one result row. */
  readonly batch: string;
}

/** The {@link EntryQuery} of `rows`, made once per query (a constant of its module). */
export function entryQuery(rows: string): EntryQuery {
  return Object.freeze({
    rows,
    batch: `SELECT group_concat(ms || ',' || seq || ',' || length(data), ','), CAST(group_concat(data, x'') AS BLOB) FROM (${rows})`,
  });
}

/**
 * A row of a batch: an instance of a class of its own, not an object literal.
 * V8 gives every literal `{ ms, seq, data }` of the process one hidden class,
 * which other code's objects of those keys can widen (a `seq` that is not a
 * small integer); literal rows made after that were migrated to the wider
 * class on their first read. Once the memory engine had run in the same
 * process, that took the file:// engine's request/reply from about 24 to
 * 29–30 µs of CPU per request (docs/BENCHMARKS.md). A class's instances have
 * a hidden class no other code makes (`entry-batch.test.ts` checks it).
 */
class BatchRow implements EntryRow {
  constructor(
    readonly ms: number,
    readonly seq: number,
    readonly data: Buffer,
  ) {}
}

/** Runs `query` with `params`: its rows, read as one batch. */
export function selectEntries(store: FileStore, query: EntryQuery, params: readonly unknown[]): EntryRow[] {
  let batch: [string | null, Buffer];
  try {
    batch = store.sqlRaw(query.batch).get(params) as typeof batch;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'SQLITE_TOOBIG') throw error;
    return store.sql(query.rows).all(params) as EntryRow[];
  }
  const [list, data] = batch;
  if (list === null) return [];
  // ms, seq and size of each entry in turn.
  const parts = list.split(',');
  const rows = new Array<EntryRow>(parts.length / 3);
  let start = 0;
  for (let i = 0, p = 0; i < rows.length; i++, p += 3) {
    const end = start + Number(parts[p + 2]);
    rows[i] = new BatchRow(Number(parts[p]), Number(parts[p + 1]), data.subarray(start, end));
    start = end;
  }
  return rows;
}
