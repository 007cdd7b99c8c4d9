/**
 * SQLite used directly, as the `file` scenario's baseline: the same work as
 * the file:// engine does for produce, group consume and request/reply, with
 * better-sqlite3 in WAL mode (`synchronous = NORMAL`, as the engine), one
 * transaction per batch, JSON payloads in a BLOB column, and no engine
 * bookkeeping (no stream counters, no delivery counts, no notifications).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BenchPayload } from '../payload.js';

/** A raw store in `dir`: an entries table and a pending table keyed as the engine's. */
export class RawSqlite {
  readonly db: Database.Database;
  private seq = 0;
  private readonly insert: Database.Statement;
  private readonly after: Database.Statement;
  private readonly pend: Database.Statement;
  private readonly ack: Database.Statement;

  constructor(dir: string) {
    this.db = new Database(join(dir, 'raw.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (stream TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (stream, ms, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pending (stream TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (stream, ms, seq)) WITHOUT ROWID;`);
    this.insert = this.db.prepare('INSERT INTO entries (stream, ms, seq, data) VALUES (?, ?, ?, ?)');
    this.after = this.db.prepare('SELECT ms, seq, data FROM entries WHERE stream = ? AND (ms, seq) > (?, ?) ORDER BY ms, seq LIMIT ?');
    this.pend = this.db.prepare('INSERT INTO pending (stream, ms, seq) VALUES (?, ?, ?)');
    this.ack = this.db.prepare('DELETE FROM pending WHERE stream = ? AND ms = ? AND seq = ?');
  }

  /** Appends `payloads[start…end)` to `stream` in one transaction; resolves how many. */
  async append(stream: string, payloads: readonly unknown[], start: number, end: number): Promise<number> {
    this.db.prepare('BEGIN IMMEDIATE').run();
    const ms = Date.now();
    for (let i = start; i < end; i++) this.insert.run(stream, ms, this.seq++, Buffer.from(JSON.stringify(payloads[i])));
    this.db.prepare('COMMIT').run();
    return end - start;
  }

  /** Reads `n` entries of `stream` in batches: each batch delivered into the pending table, decoded, then acked. */
  async consume(stream: string, n: number, batchSize: number): Promise<number> {
    let at = { ms: 0, seq: -1 };
    let done = 0;
    while (done < n) {
      const rows = this.db.transaction(() => {
        const got = this.after.all(stream, at.ms, at.seq, Math.min(batchSize, n - done)) as { ms: number; seq: number; data: Buffer }[];
        for (const r of got) this.pend.run(stream, r.ms, r.seq);
        return got;
      }).immediate();
      if (rows.length === 0) break;
      this.db.transaction(() => {
        for (const r of rows) {
          if ((JSON.parse(r.data.toString()) as BenchPayload).id < 0) throw new Error('bad payload');
          this.ack.run(stream, r.ms, r.seq);
        }
      }).immediate();
      at = rows[rows.length - 1]!;
      done += rows.length;
    }
    return done;
  }

  /**
   * `n` requests answered: each round, `concurrency` requests appended in one
   * transaction, a worker reads them into its pending table, appends the
   * replies and acks in one transaction, the caller reads the replies.
   */
  async requestReply(topic: string, payloads: readonly unknown[], n: number, concurrency: number): Promise<number> {
    const replies = `${topic}:replies`;
    let requestAt = { ms: 0, seq: -1 };
    let replyAt = { ms: 0, seq: -1 };
    let answered = 0;
    while (answered < n) {
      const k = Math.min(concurrency, n - answered);
      await this.append(topic, payloads, 0, k);
      const requests = this.db.transaction(() => {
        const got = this.after.all(topic, requestAt.ms, requestAt.seq, k) as { ms: number; seq: number; data: Buffer }[];
        for (const r of got) this.pend.run(topic, r.ms, r.seq);
        return got;
      }).immediate();
      if (requests.length === 0) break;
      requestAt = requests[requests.length - 1]!;
      this.db.transaction(() => {
        const ms = Date.now();
        for (const r of requests) {
          this.insert.run(replies, ms, this.seq++, r.data);
          this.ack.run(topic, r.ms, r.seq);
        }
      }).immediate();
      const got = this.after.all(replies, replyAt.ms, replyAt.seq, requests.length) as { ms: number; seq: number; data: Buffer }[];
      for (const r of got) JSON.parse(r.data.toString());
      replyAt = got[got.length - 1] ?? replyAt;
      answered += got.length;
    }
    return answered;
  }

  count(stream: string): number {
    return this.db.prepare('SELECT count(*) FROM entries WHERE stream = ?').pluck().get(stream) as number;
  }

  close(): void {
    this.db.close();
  }
}
