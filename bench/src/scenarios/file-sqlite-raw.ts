/**
 * SQLite used directly, as the `file` scenario's baseline: the same work as
 * the file:// engine does for produce, group consume and request/reply, with
 * better-sqlite3 in WAL mode (`synchronous = NORMAL`, as the engine), one
 * transaction per batch and JSON payloads in a BLOB column. Its range read
 * binds the count as `LIMIT +?`, as the engine does, so that SQLite plans the
 * statement once instead of at every run.
 *
 * It keeps the state that the engine's contract makes durable and shared
 * between processes, each written once per batch: a stream's last id (ids
 * are made from it, not from a counter in memory) and length, a group's last
 * delivered id, and per pending entry its consumer, delivery time and
 * delivery count (what claiming and dead-lettering read). The scenario
 * deletes the streams a run wrote after it ({@link RawSqlite.deleteStreams}),
 * here as on the engine's side, so that both write into a database whose
 * freed pages are reused. It leaves out what
 * is the engine's own bookkeeping: consumers' seen times, read counters
 * (lag), wake-ups of other processes' readers, expiry sweeps and the
 * Streamerson layers.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BenchPayload } from '../payload.js';

interface Row {
  readonly ms: number;
  readonly seq: number;
  readonly data: Buffer;
}

interface Position {
  readonly ms: number;
  readonly seq: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY, last_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (stream TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (stream, ms, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS groups (stream TEXT NOT NULL, name TEXT NOT NULL, last_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL, PRIMARY KEY (stream, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (stream TEXT NOT NULL, grp TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL, consumer TEXT NOT NULL,
  delivery_time INTEGER NOT NULL, deliveries INTEGER NOT NULL, PRIMARY KEY (stream, grp, ms, seq)) WITHOUT ROWID;`;

/** The stream that request/reply writes the replies of `topic`'s requests to, on both sides (see `RawSqlite.requestReply`). */
export function replyStream(topic: string): string {
  return `${topic}:replies`;
}

/** A raw store in `dir`: streams, entries, groups and pending tables keyed as the engine's. */
export class RawSqlite {
  readonly db: Database.Database;
  private groups = 0;
  private readonly last: Database.Statement;
  private readonly setLast: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly after: Database.Statement;
  private readonly createGroup: Database.Statement;
  private readonly groupAt: Database.Statement;
  private readonly setGroupAt: Database.Statement;
  private readonly pend: Database.Statement;
  private readonly ack: Database.Statement;
  private readonly deletes: readonly Database.Statement[];

  constructor(dir: string) {
    this.db = new Database(join(dir, 'raw.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.last = this.db.prepare('SELECT last_ms AS ms, last_seq AS seq FROM streams WHERE name = ?');
    this.setLast = this.db.prepare(
      'INSERT INTO streams (name, last_ms, last_seq, length) VALUES (@name, @ms, @seq, @n) ON CONFLICT (name) DO UPDATE SET last_ms = @ms, last_seq = @seq, length = length + @n',
    );
    this.insert = this.db.prepare('INSERT INTO entries (stream, ms, seq, data) VALUES (?, ?, ?, ?)');
    this.after = this.db.prepare('SELECT ms, seq, data FROM entries WHERE stream = ? AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT +?');
    this.createGroup = this.db.prepare('INSERT INTO groups (stream, name, last_ms, last_seq) VALUES (?, ?, 0, 0)');
    this.groupAt = this.db.prepare('SELECT last_ms AS ms, last_seq AS seq FROM groups WHERE stream = ? AND name = ?');
    this.setGroupAt = this.db.prepare('UPDATE groups SET last_ms = ?, last_seq = ? WHERE stream = ? AND name = ?');
    this.pend = this.db.prepare('INSERT INTO pending (stream, grp, ms, seq, consumer, delivery_time, deliveries) VALUES (?, ?, ?, ?, ?, ?, 1)');
    this.ack = this.db.prepare('DELETE FROM pending WHERE stream = ? AND grp = ? AND ms = ? AND seq = ?');
    this.deletes = [
      'DELETE FROM streams WHERE name = ?',
      'DELETE FROM entries WHERE stream = ?',
      'DELETE FROM groups WHERE stream = ?',
      'DELETE FROM pending WHERE stream = ?',
    ].map((sql) => this.db.prepare(sql));
  }

  /** Appends `payloads[start…end)` to `stream` in one transaction, ids following the stream's stored last id; resolves how many. */
  async append(stream: string, payloads: readonly unknown[], start: number, end: number): Promise<number> {
    this.db
      .transaction(() =>
        this.appendRows(
          stream,
          payloads.slice(start, end).map((p) => Buffer.from(JSON.stringify(p))),
        ),
      )
      .immediate();
    return end - start;
  }

  /** Inside a transaction: appends `data` to `stream` as XADD would (ids after the stored last id), the stream's row written once. */
  private appendRows(stream: string, data: readonly Buffer[]): void {
    const last = this.last.get(stream) as Position | undefined;
    const now = Date.now();
    let ms = last?.ms ?? 0;
    let seq = last?.seq ?? 0;
    for (const d of data) {
      if (now > ms) {
        ms = now;
        seq = 0;
      } else seq++;
      this.insert.run(stream, ms, seq, d);
    }
    this.setLast.run({ name: stream, ms, seq, n: data.length });
  }

  /** Creates a group at the start of `stream`; returns its name. */
  private group(stream: string): string {
    const name = `g${this.groups++}`;
    this.createGroup.run(stream, name);
    return name;
  }

  /** In one transaction: up to `count` entries after the group's stored position, each made pending for `consumer`, the position written once. */
  private deliver(stream: string, group: string, consumer: string, count: number): Row[] {
    return this.db
      .transaction(() => {
        const at = this.groupAt.get(stream, group) as Position;
        const rows = this.after.all(stream, at.ms, at.seq, count) as Row[];
        if (rows.length === 0) return rows;
        const now = Date.now();
        for (const r of rows) this.pend.run(stream, group, r.ms, r.seq, consumer, now);
        const last = rows[rows.length - 1]!;
        this.setGroupAt.run(last.ms, last.seq, stream, group);
        return rows;
      })
      .immediate();
  }

  /** Reads `n` entries of `stream` as a fresh group in batches: each batch delivered, decoded, then acked in a transaction of its own. */
  async consume(stream: string, n: number, batchSize: number): Promise<number> {
    const group = this.group(stream);
    let done = 0;
    while (done < n) {
      const rows = this.deliver(stream, group, 'c', Math.min(batchSize, n - done));
      if (rows.length === 0) break;
      this.db
        .transaction(() => {
          for (const r of rows) {
            if ((JSON.parse(r.data.toString()) as BenchPayload).id < 0) throw new Error('bad payload');
            this.ack.run(stream, group, r.ms, r.seq);
          }
        })
        .immediate();
      done += rows.length;
    }
    return done;
  }

  /**
   * `n` requests answered: each round, `concurrency` requests appended in one
   * transaction, a worker delivers them to itself as a group, appends the
   * replies and acks in one transaction, the caller reads the replies after
   * the last one it read.
   */
  async requestReply(topic: string, payloads: readonly unknown[], n: number, concurrency: number): Promise<number> {
    const replies = replyStream(topic);
    const group = this.group(topic);
    let replyAt: Position = { ms: 0, seq: -1 };
    let answered = 0;
    while (answered < n) {
      const k = Math.min(concurrency, n - answered);
      await this.append(topic, payloads, 0, k);
      const requests = this.deliver(topic, group, 'worker', k);
      if (requests.length === 0) break;
      this.db
        .transaction(() => {
          this.appendRows(
            replies,
            requests.map((r) => r.data),
          );
          for (const r of requests) this.ack.run(topic, group, r.ms, r.seq);
        })
        .immediate();
      const got = this.after.all(replies, replyAt.ms, replyAt.seq, requests.length) as Row[];
      for (const r of got) JSON.parse(r.data.toString());
      replyAt = got[got.length - 1] ?? replyAt;
      answered += got.length;
    }
    return answered;
  }

  /** Deletes `streams` with their entries, groups and pending rows in one transaction, as the engine's `deleteStreams` does. */
  deleteStreams(streams: readonly string[]): void {
    this.db
      .transaction(() => {
        for (const stream of streams) for (const statement of this.deletes) statement.run(stream);
      })
      .immediate();
  }

  count(stream: string): number {
    return this.db.prepare('SELECT count(*) FROM entries WHERE stream = ?').pluck().get(stream) as number;
  }

  close(): void {
    this.db.close();
  }
}
