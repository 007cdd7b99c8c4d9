import { accessSync, constants, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FileAccessError, toStreamersonError } from './errors.js';
import { Notifier } from './notifier.js';
import { ensureSchema } from './schema.js';

/** Name of the database file inside a store's directory (SQLite adds `-wal` and `-shm` beside it). */
export const DATABASE_FILE = 'streams.db';

/** How long a write waits for another process's transaction before it fails (SQLite `busy_timeout`). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Size the write-ahead log is cut back to after a checkpoint (SQLite `journal_size_limit`). */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

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
  private readonly statements = new Map<string, Database.Statement>();
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  /** Streams changed by the transaction under way, signalled when it commits. */
  private changed: Set<string> | undefined;

  constructor(readonly dir: string, busyTimeoutMs: number) {
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
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.notifier = new Notifier(dir);
  }

  /** A prepared statement, made once per SQL text. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`: it takes the write
   * lock first, waiting for other processes up to the busy timeout). Streams
   * marked with {@link touched} are signalled after the commit.
   */
  write<T>(fn: () => T): T {
    this.begin.run();
    this.changed = undefined;
    let result: T;
    try {
      result = fn();
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      this.changed = undefined;
      throw error;
    }
    const changed = this.changed;
    this.changed = undefined;
    if (changed !== undefined) this.notifier.signal(changed);
    return result;
  }

  /** Marks a stream as changed by the current write transaction (appends, deletion, a destroyed group). */
  touched(stream: string): void {
    (this.changed ??= new Set()).add(stream);
  }

  close(): void {
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
