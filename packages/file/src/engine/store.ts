import { accessSync, constants, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FileAccessError, toStreamersonError } from './errors.js';
import { Notifier } from './notifier.js';
import { ensureSchema } from './schema.js';
import { SeenTimes } from './seen-times.js';
import { appendEntries, appendEntry, deleteStream, expiredStreams, type StreamAppend } from './stream-ops.js';

/** Name of the database file inside a store's directory (SQLite adds `-wal` and `-shm` beside it). */
export const DATABASE_FILE = 'streams.db';

/** How long a write waits for another process's transaction before it fails (SQLite `busy_timeout`). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Size the write-ahead log is cut back to after a checkpoint (SQLite `journal_size_limit`). */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/** Queued writes committed together at most; one more runs the queue at once (see {@link FileStore.enqueue}). */
export const MAX_GROUP_COMMIT = 256;

/** Expired streams deleted per transaction at most; the next transactions delete the rest. */
const EXPIRY_SWEEP_BATCH = 100;

/** A write waiting for the next group transaction. */
interface QueuedWrite {
  readonly fn: () => unknown;
  /** Set on a single append (see {@link FileStore.enqueueAppend}): consecutive ones to one stream run together. */
  readonly append?: { readonly stream: string; readonly entry: StreamAppend };
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What one queued write did inside its group transaction. */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A queued write threw (`error`): its group transaction rolls back. */
class WriteFailed {
  constructor(readonly error: unknown) {}
}

function runWrite(w: QueuedWrite): Outcome {
  try {
    return { ok: true, value: w.fn() };
  } catch (error) {
    throw new WriteFailed(error);
  }
}

/**
 * Runs the queued writes in order inside one transaction. Consecutive single
 * appends to one stream run as one `appendEntries` (the stream's row read and
 * written once, not once per append); a refused append fails alone, having
 * written nothing.
 */
function runWrites(store: FileStore, writes: readonly QueuedWrite[]): Outcome[] {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < writes.length; ) {
    const stream = writes[i]!.append?.stream;
    if (stream === undefined) {
      outcomes.push(runWrite(writes[i++]!));
      continue;
    }
    let end = i + 1;
    while (end < writes.length && writes[end]!.append?.stream === stream) end++;
    let results: ReturnType<typeof appendEntries>;
    try {
      results = appendEntries(
        store,
        stream,
        writes.slice(i, end).map((w) => w.append!.entry),
      );
    } catch (error) {
      // As any write that throws: the group runs again, each write in a savepoint.
      throw new WriteFailed(error);
    }
    for (const value of results) outcomes.push(value instanceof Error ? { ok: false, error: value } : { ok: true, value });
    i = end;
  }
  return outcomes;
}

function rejectAll(writes: readonly QueuedWrite[], error: unknown): void {
  for (const w of writes) w.reject(error);
}

/** A LIMIT that is a bare parameter (`?`, `?1`, `@n`, `:n`, `$n`): see {@link FileStore.sql}. */
const BARE_LIMIT_PARAMETER = /\bLIMIT\s+[?@:$]/i;

/**
 * One open store: a SQLite connection in WAL mode on `<dir>/streams.db`, its
 * prepared statements and its {@link Notifier}. Engines of one process on the
 * same directory share it; the last one to close closes the connection, which
 * checkpoints the log.
 */
export class FileStore {
  readonly db: Database.Database;
  readonly notifier: Notifier;
  /** Open engines using this store. */
  refs = 0;
  /** When this process last wrote each consumer's seen time. */
  readonly seenTimes = new SeenTimes();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly rawStatements = new Map<string, Database.Statement>();
  private readonly begin: Database.Statement;
  private readonly beginRead: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;
  private readonly releaseSavepoint: Database.Statement;
  /** Streams changed by the transaction under way, signalled when it commits. */
  private changed: Set<string> | undefined;
  /** Writes waiting for the next group transaction, at most {@link MAX_GROUP_COMMIT}. */
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  /** The clock millisecond at which no stream was found expired (see {@link sweepExpired}). */
  private sweptAt = -1;

  constructor(
    readonly dir: string,
    busyTimeoutMs: number,
  ) {
    let db: Database.Database | undefined;
    try {
      db = new Database(join(dir, DATABASE_FILE), { timeout: busyTimeoutMs });
      db.pragma('journal_mode = WAL');
      // In WAL mode a commit is in the log (the OS's page cache) when it returns:
      // a process crash loses nothing committed; only a power loss may lose the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma(`journal_size_limit = ${DEFAULT_WAL_LIMIT_BYTES}`);
      ensureSchema(db, dir);
    } catch (error) {
      db?.close();
      throw toStreamersonError(error, dir, false);
    }
    this.db = db;
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.beginRead = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT queued');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO queued');
    this.releaseSavepoint = db.prepare('RELEASE queued');
    const dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.notifier = new Notifier(dir, () => dataVersion.get() as number);
  }

  /**
   * A prepared statement, made once per SQL text. A count bound as a LIMIT is
   * written `LIMIT +?` (or `+@name`): SQLite prepares a statement whose LIMIT
   * is a bare parameter again each time that parameter is bound (it plans for
   * the value), which costs several times what running it does; `+?` is an
   * expression, planned once. A text with a bare LIMIT parameter is refused.
   */
  sql(text: string): Database.Statement {
    return this.cached(this.statements, text, false);
  }

  /** {@link sql} of a query whose rows come as arrays of values (better-sqlite3's raw mode), made once per SQL text. */
  sqlRaw(text: string): Database.Statement {
    return this.cached(this.rawStatements, text, true);
  }

  private cached(statements: Map<string, Database.Statement>, text: string, raw: boolean): Database.Statement {
    let statement = statements.get(text);
    if (statement === undefined) {
      if (BARE_LIMIT_PARAMETER.test(text)) throw new Error(`a LIMIT bound as a bare parameter is planned again at every run; write LIMIT +?: ${text}`);
      statement = this.db.prepare(text);
      if (raw) statement.raw();
      statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`: it takes the write
   * lock first, waiting for other processes up to the busy timeout), after the
   * queued writes (see {@link enqueue}) and with expired streams deleted first.
   * Streams marked with {@link touched} are signalled after the commit.
   */
  write<T>(fn: () => T): T {
    this.flush();
    this.begin.run();
    this.changed = undefined;
    let result: T;
    try {
      this.sweepExpired();
      result = fn();
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      this.changed = undefined;
      // Seen times written by the rolled-back transaction are not stored.
      this.seenTimes.clear();
      throw error;
    }
    const changed = this.changed;
    this.changed = undefined;
    if (changed !== undefined) this.notifier.signal(changed);
    return result;
  }

  /**
   * Runs `fn`, which only reads, in one read transaction (`BEGIN`), after the
   * queued writes: its statements see one state of the database, whatever
   * other processes commit meanwhile, and take the log's read lock once
   * rather than once each. Streams whose time to live passed are looked for
   * in the same transaction and, when there are some, deleted first (in a
   * write transaction), so that no read sees them.
   */
  snapshot<T>(fn: () => T): T {
    this.flush();
    this.beginRead.run();
    try {
      const now = Date.now();
      if (now !== this.sweptAt) {
        if (expiredStreams(this, now, 1).length === 0) this.sweptAt = now;
        else {
          this.commit.run();
          this.write(() => undefined);
          this.beginRead.run();
        }
      }
      return fn();
    } finally {
      if (this.db.inTransaction) this.commit.run();
    }
  }

  /**
   * Group commit: queues `fn` (a write, which must not call {@link write}) to
   * run in one transaction with every write queued in the same turn of the
   * event loop; resolves with its result once that transaction committed.
   * A write that throws undoes only its own changes and rejects alone (see
   * {@link flush}: `fn` may then run a second time, after a rollback, so it
   * must change nothing outside the database); a failure of the transaction
   * itself rejects them all. Any other operation runs the queue first
   * ({@link write}, {@link snapshot}), so operations take effect in call order.
   */
  enqueue<T>(fn: () => T): Promise<T> {
    return this.push(fn, undefined);
  }

  /**
   * {@link enqueue} of one XADD: resolves with its id (null: `noMkStream` on a
   * missing stream) or rejects with what refused it. Appends to one stream
   * queued one after another share the stream's row read and write.
   */
  enqueueAppend(stream: string, entry: StreamAppend): Promise<string | null> {
    return this.push(() => appendEntry(this, stream, entry.fields, entry.options), { stream, entry });
  }

  private push<T>(fn: () => T, append: QueuedWrite['append']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, ...(append === undefined ? {} : { append }), resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= MAX_GROUP_COMMIT) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /**
   * Runs the queued writes in one transaction and settles their promises. When
   * one of several throws, the group is rolled back and runs again with each
   * write in a savepoint, so that only the writes that throw fail (savepoints
   * cost as much as the writes themselves, so only on this path).
   */
  flush(): void {
    const writes = this.queue;
    if (writes.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.write(() => runWrites(this, writes));
    } catch (error) {
      if (!(error instanceof WriteFailed) || writes.length === 1) {
        rejectAll(writes, error instanceof WriteFailed ? error.error : error);
        return;
      }
      try {
        outcomes = this.write(() => writes.map((w) => this.inSavepoint(w.fn)));
      } catch (again) {
        rejectAll(writes, again);
        return;
      }
    }
    for (let i = 0; i < writes.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) writes[i]!.resolve(o.value);
      else writes[i]!.reject(o.error);
    }
  }

  private inSavepoint(fn: () => unknown): Outcome {
    this.savepoint.run();
    try {
      const value = fn();
      this.releaseSavepoint.run();
      return { ok: true, value };
    } catch (error) {
      // SQLite rolled the whole transaction back (I/O error, full disk): every write of the group fails.
      if (!this.db.inTransaction) throw error;
      this.rollbackToSavepoint.run();
      this.releaseSavepoint.run();
      return { ok: false, error };
    }
  }

  /**
   * Deletes streams whose time to live passed, inside a write transaction. A
   * clock millisecond in which none was found is not searched again: a time
   * to live set since then ends in a later millisecond.
   */
  private sweepExpired(): void {
    const now = Date.now();
    if (now === this.sweptAt) return;
    const expired = expiredStreams(this, now, EXPIRY_SWEEP_BATCH);
    for (const name of expired) deleteStream(this, name);
    if (expired.length < EXPIRY_SWEEP_BATCH) this.sweptAt = now;
  }

  /** Marks a stream as changed by the current write transaction (appends, deletion, a destroyed group). */
  touched(stream: string): void {
    (this.changed ??= new Set()).add(stream);
  }

  /** Runs the queued writes, then closes the connection. */
  close(): void {
    this.flush();
    this.notifier.close();
    this.db.close();
  }
}

const stores = new Map<string, FileStore>();

/**
 * The store of `dir`, opened (and the directory created) on first use; pair
 * with {@link releaseStore}. Throws `ERR_STREAMERSON_FILE_ACCESS` when the
 * directory cannot be created or written, `_FILE_CORRUPT` or `_FILE_FORMAT`
 * when its database is not a store this version reads.
 */
export function acquireStore(dir: string, busyTimeoutMs: number): FileStore {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? 'error';
    throw new FileAccessError(dir, `the directory cannot be created or written (${code})`, { cause });
  }
  const key = realpathSync(dir);
  let store = stores.get(key);
  if (store === undefined) {
    store = new FileStore(dir, busyTimeoutMs);
    stores.set(key, store);
  }
  store.refs++;
  return store;
}

/** Releases a store; the last release closes it. */
export function releaseStore(store: FileStore): void {
  store.refs--;
  if (store.refs > 0) return;
  for (const [key, s] of stores) if (s === store) stores.delete(key);
  store.close();
}
