import type Database from 'better-sqlite3';
import { FileFormatError } from './errors.js';

/**
 * On-disk format of a file:// store, kept in SQLite's `user_version`. A store
 * of another version is refused with `ERR_STREAMERSON_FILE_FORMAT`, never
 * migrated silently.
 */
export const FORMAT_VERSION = 1;

/** SQLite `application_id` of a Streamerson store ("Strm"), so that another program's database is refused. */
export const APPLICATION_ID = 0x5374726d;

/**
 * One table per part of a Redis stream: the stream's counters, its entries,
 * its groups, their consumers and their pending entries, dedupe records of
 * idempotent appends, and the leases and hashes of fenced writes. Entry ids are two integers (`ms`, `seq`), so id order
 * is the primary key's order and ranges are index scans. Pending entries have
 * no second index by consumer: every delivery and every ack would write its
 * pages too (a commit's cost is the pages it writes), while the queries by
 * consumer (re-reading one's own pending entries, XPENDING of one consumer,
 * XINFO) scan the group's pending entries (what its consumers hold unacknowledged).
 */
const SCHEMA = `
CREATE TABLE streams (
  name TEXT PRIMARY KEY,
  last_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  entries_added INTEGER NOT NULL,
  length INTEGER NOT NULL,
  max_deleted_ms INTEGER NOT NULL,
  max_deleted_seq INTEGER NOT NULL,
  expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX streams_by_expiry ON streams (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE entries (
  stream TEXT NOT NULL,
  ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (stream, ms, seq)
) WITHOUT ROWID;
CREATE TABLE groups (
  stream TEXT NOT NULL,
  name TEXT NOT NULL,
  last_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  entries_read INTEGER,
  PRIMARY KEY (stream, name)
) WITHOUT ROWID;
CREATE TABLE consumers (
  stream TEXT NOT NULL,
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  seen_time INTEGER NOT NULL,
  active_time INTEGER,
  PRIMARY KEY (stream, grp, name)
) WITHOUT ROWID;
CREATE TABLE pending (
  stream TEXT NOT NULL,
  grp TEXT NOT NULL,
  ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  consumer TEXT NOT NULL,
  delivery_time INTEGER NOT NULL,
  deliveries INTEGER NOT NULL,
  PRIMARY KEY (stream, grp, ms, seq)
) WITHOUT ROWID;
CREATE TABLE dedupe (
  stream TEXT NOT NULL,
  message_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (stream, message_id)
) WITHOUT ROWID;
CREATE INDEX dedupe_by_expiry ON dedupe (expires_at);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE hashes (
  key TEXT NOT NULL,
  field TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (key, field)
) WITHOUT ROWID;
`;

/**
 * Creates the tables of a new store, or checks that an existing one is ours and
 * of {@link FORMAT_VERSION}. Runs in one write transaction, so two processes
 * opening a new directory at once create it once.
 */
export function ensureSchema(db: Database.Database, path: string): void {
  db.prepare('BEGIN IMMEDIATE').run();
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
    if (version === 0 && appId === 0 && tables === 0) {
      db.exec(SCHEMA);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${FORMAT_VERSION}`);
    } else if (appId !== APPLICATION_ID) {
      throw new FileFormatError(path, 'the database was not written by Streamerson (unknown application id)');
    } else if (version !== FORMAT_VERSION) {
      throw new FileFormatError(path, `the store has format version ${version}; this version of @streamerson/file reads version ${FORMAT_VERSION}`);
    } else {
      // Stores made before the pending table lost its index by consumer: the same format, one index fewer to write.
      db.exec('DROP INDEX IF EXISTS pending_by_consumer');
    }
    db.prepare('COMMIT').run();
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
}
