import {
  ClosedError,
  EngineError,
  InvalidOptionError,
  type AppendItem,
  type AppendOptions,
  type AutoClaimResult,
  type BlockingReader,
  type ClaimOptions,
  type Engine,
  type EngineCapabilities,
  type Fencing,
  type FencedWrite,
  type FencedWriteResult,
  type HashScanPage,
  type LeaseGrant,
  type LeaseState,
  type EngineStats,
  type FieldValue,
  type GroupInfo,
  type GroupReadOptions,
  type GroupReadPosition,
  type GroupStart,
  type IdempotentAppendResult,
  type PendingEntry,
  type PendingRangeOptions,
  type PendingSummary,
  type RawEntry,
  type ReadOptions,
  type ReadPosition,
  type Retention,
  type StreamAcks,
  type StreamEntries,
  type StreamInfo,
} from '@streamerson/core';
import {
  checkLease,
  ClosedSignal,
  DEFAULT_LIST_LIMIT,
  DEFAULT_READ_COUNT,
  formatId,
  intOption,
  listOption,
  msOption,
  nameOption,
  parseId,
  parseRetention,
  served,
  validateFencedWrite,
} from '@streamerson/core/internal';
import { FileBlockingReader } from './blocking-reader.js';
import * as fencing from './fencing-ops.js';
import { rowEntry } from './entry-codec.js';
import { toStreamersonError } from './errors.js';
import {
  ackEntries,
  autoClaimEntries,
  claimEntries,
  createGroup,
  deleteConsumer,
  destroyGroup,
  lagView,
  pendingRange,
  pendingSummary,
  readGroupEntries,
  setGroupId,
} from './group-ops.js';
import { appendAndAckEntries, appendEach } from './append-batch.js';
import { lag } from './lag.js';
import { acquireStore, DEFAULT_BUSY_TIMEOUT_MS, releaseStore, type FileStore } from './store.js';
import { appendEntry, applyRetention, deleteEntry, deleteStream, edgeEntry, getStream, rangeEntries, readEntries, resolvePositions } from './stream-ops.js';

/**
 * The durable embedded engine behind `file://<dir>`: Redis 7.0 Streams
 * semantics (as `memory://`) kept in a SQLite database in WAL mode in `dir`,
 * shared by every process of the machine that opens the same directory, and
 * surviving restarts and crashes: an operation's promise resolves after its
 * transaction committed, so a crash of the process loses nothing it reported
 * done and never leaves half an entry.
 *
 * Operations take effect in call order, each in one SQLite transaction, and
 * their promises settle on a later microtask. Writes called in one turn of the
 * event loop (appends, acks, fenced writes) share one transaction (group
 * commit): queued, they commit together on the next microtask, or earlier when
 * another operation runs, and each resolves after that commit. Blocking reads (see {@link openReader}) wake on
 * appends of any process through change notifications on small files in
 * `dir/notify`. Differences from Redis are those of `memory://` (id parts above
 * 2^53 - 1 are rejected; approximate trimming trims exactly).
 */
export class FileEngine implements Engine, Fencing {
  readonly kind = 'file' as const;
  readonly url: string;
  private store: FileStore | undefined;
  private readonly readers = new Set<FileBlockingReader>();
  readonly #closed = new ClosedSignal();

  /** Streams on local disk, shared by the processes of the machine; one blocking read waits on many streams. */
  readonly capabilities: EngineCapabilities = Object.freeze({ multiStreamBlockingRead: true, persistent: true, shared: true });

  /**
   * Opens (and creates) the store in `dir`. Throws `ERR_STREAMERSON_FILE_ACCESS`
   * when the directory cannot be created or written, `_FILE_CORRUPT` when its
   * database is damaged, `_FILE_FORMAT` when it was written in another format.
   * `options.url` is the URL to report as {@link url} (default `file://<dir>`);
   * `options.busyTimeoutMs` applies when this engine is the first of the
   * process on `dir` (engines of one process on one directory share its store).
   */
  constructor(
    readonly dir: string,
    options: { readonly url?: string; readonly busyTimeoutMs?: number } = {},
  ) {
    if (typeof dir !== 'string' || dir === '') throw new InvalidOptionError('dir', 'expected the path of a directory');
    this.url = options.url ?? `file://${dir}`;
    this.store = acquireStore(dir, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  }

  /** Settles once the engine is closed (see `Lifecycle.closed`). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /** The store is open from the constructor on: resolves at once, or rejects with `ERR_STREAMERSON_CLOSED`. */
  async start(): Promise<void> {
    this.open();
  }

  stats(): EngineStats {
    return { readers: this.readers.size };
  }

  private open(): FileStore {
    if (this.store === undefined) throw new ClosedError(`file engine ${this.url}`);
    return this.store;
  }

  /**
   * Runs one operation, `fn`, which runs its statements in `FileStore.write`
   * or `FileStore.snapshot` (each runs the queued writes and deletes streams
   * whose time to live passed first); SQLite failures become typed errors
   * (see `toStreamersonError`).
   */
  private run<T>(fn: (store: FileStore) => T): T {
    const store = this.open();
    try {
      return fn(store);
    } catch (error) {
      throw toStreamersonError(error, this.dir, this.store === undefined);
    }
  }

  /** {@link run} of an operation that only reads: its statements in one read transaction (`FileStore.snapshot`). */
  private snapshot<T>(fn: (store: FileStore) => T): T {
    return this.run((s) => s.snapshot(() => fn(s)));
  }

  /** Runs a write in the store's next group transaction (`FileStore.enqueue`), with the error mapping of {@link run}. */
  private queued<T>(fn: (store: FileStore) => T): Promise<T> {
    const store = this.open();
    return this.mapErrors(store.enqueue(() => fn(store)));
  }

  /** A queued write's promise with the error mapping of {@link run}. */
  private mapErrors<T>(write: Promise<T>): Promise<T> {
    return write.catch((error: unknown) => {
      throw toStreamersonError(error, this.dir, this.store === undefined);
    });
  }

  async append(stream: string, fields: readonly FieldValue[], options?: AppendOptions): Promise<string | null> {
    nameOption(stream, 'stream');
    return this.mapErrors(this.open().enqueueAppend(stream, { fields, options: options ?? {} }));
  }

  /** Runs every append in one transaction: a failed item does not stop the others; the first failure rejects the batch. */
  async appendBatch(items: readonly AppendItem[]): Promise<(string | null)[]> {
    if (!Array.isArray(items)) throw new InvalidOptionError('items', 'expected an array');
    const batch = await this.queued((s) => appendEach(s, items));
    if (batch.failed) throw batch.failure;
    return batch.ids;
  }

  async appendIdempotent(
    stream: string,
    fields: readonly FieldValue[],
    messageId: string,
    windowMs: number,
    options?: AppendOptions,
  ): Promise<IdempotentAppendResult> {
    nameOption(stream, 'stream');
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    intOption(windowMs, 'windowMs', 0, 1);
    return this.queued((s) => {
      const now = Date.now();
      s.sql('DELETE FROM dedupe WHERE expires_at <= ?').run(now);
      const first = s.sql('SELECT entry_id FROM dedupe WHERE stream = ? AND message_id = ?').get(stream, messageId) as { entry_id: string } | undefined;
      if (first !== undefined) return { id: first.entry_id, duplicate: true };
      const id = appendEntry(s, stream, fields, options);
      if (id === null) throw new EngineError('ERR_STREAMERSON_ENGINE', `stream "${stream}" does not exist (noMkStream)`);
      s.sql('INSERT INTO dedupe (stream, message_id, entry_id, expires_at) VALUES (?, ?, ?, ?)').run(stream, messageId, id, now + windowMs);
      return { id, duplicate: false };
    });
  }

  async idempotentId(stream: string, messageId: string): Promise<string | null> {
    nameOption(stream, 'stream');
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    return this.snapshot((s) => {
      const row = s.sql('SELECT entry_id FROM dedupe WHERE stream = ? AND message_id = ? AND expires_at > ?').get(stream, messageId, Date.now()) as
        | { entry_id: string }
        | undefined;
      return row?.entry_id ?? null;
    });
  }

  async read(positions: readonly ReadPosition[], options: Omit<ReadOptions, 'blockMs'> = {}): Promise<StreamEntries[]> {
    this.open();
    if ((options as ReadOptions).blockMs !== undefined) throw new InvalidOptionError('blockMs', 'blocking reads need openReader()');
    const count = intOption(options.count, 'count', DEFAULT_READ_COUNT, 1);
    const list = listOption(positions, 'positions');
    return served(this.snapshot((s) => readEntries(s, resolvePositions(s, list), count)));
  }

  async range(stream: string, start: string, end: string, count?: number): Promise<RawEntry[]> {
    this.open();
    nameOption(stream, 'stream');
    const n = intOption(count, 'count', Infinity, 0);
    return served(this.snapshot((s) => rangeEntries(s, stream, start, end, n, false)));
  }

  async revRange(stream: string, end: string, start: string, count?: number): Promise<RawEntry[]> {
    this.open();
    nameOption(stream, 'stream');
    const n = intOption(count, 'count', Infinity, 0);
    return served(this.snapshot((s) => rangeEntries(s, stream, start, end, n, true)));
  }

  async lastId(stream: string): Promise<string> {
    return this.snapshot((s) => {
      const row = getStream(s, stream);
      return row === undefined ? '0-0' : formatId(row.last_ms, row.last_seq);
    });
  }

  /** A reader for blocking reads; closing the engine closes it. Opened on a closed engine, its reads reject CLOSED. */
  openReader(): BlockingReader {
    const reader = new FileBlockingReader({
      currentStore: () => this.open(),
      run: (fn) => this.run(fn),
      snapshot: (fn) => this.snapshot(fn),
      readerClosed: (r) => this.readers.delete(r),
    });
    if (this.store !== undefined) this.readers.add(reader);
    return reader;
  }

  async createGroup(stream: string, group: string, start: GroupStart = '$'): Promise<boolean> {
    this.open();
    nameOption(stream, 'stream');
    nameOption(group, 'group');
    return this.run((s) => s.write(() => createGroup(s, stream, group, start)));
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.run((s) => s.write(() => destroyGroup(s, stream, group)));
  }

  async setGroupId(stream: string, group: string, id: string): Promise<void> {
    this.run((s) => s.write(() => setGroupId(s, stream, group, id)));
  }

  async readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options: Omit<GroupReadOptions, 'blockMs'> = {},
  ): Promise<StreamEntries[]> {
    this.open();
    if ((options as GroupReadOptions).blockMs !== undefined) throw new InvalidOptionError('blockMs', 'blocking reads need openReader()');
    const count = intOption(options.count, 'count', DEFAULT_READ_COUNT, 1);
    nameOption(group, 'group');
    nameOption(consumer, 'consumer');
    const list = listOption(positions, 'positions');
    return served(this.run((s) => s.write(() => readGroupEntries(s, group, consumer, list, count, options.noAck === true))));
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    this.open();
    const list = listOption(ids, 'ids');
    return this.queued((s) => ackEntries(s, stream, group, list));
  }

  /** Appends then acks in one transaction; when an append fails nothing is acknowledged. */
  async appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void> {
    this.open();
    const ackList = listOption(acks, 'acks');
    const batch = await this.queued((s) => appendAndAckEntries(s, items, group, ackList));
    if (batch.failed) throw batch.failure;
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return this.snapshot((s) => pendingSummary(s, stream, group));
  }

  async pendingRange(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntry[]> {
    this.open();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected { count, … }');
    const count = intOption(options.count, 'count', -1, 0);
    if (count < 0) throw new InvalidOptionError('count', 'required');
    if (options.minIdleMs !== undefined) msOption(options.minIdleMs, 'minIdleMs');
    return served(this.snapshot((s) => pendingRange(s, stream, group, options, count)));
  }

  async claim(stream: string, group: string, consumer: string, ids: readonly string[], options: ClaimOptions): Promise<RawEntry[]> {
    this.open();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected { minIdleMs }');
    const minIdle = msOption(options.minIdleMs, 'minIdleMs');
    nameOption(consumer, 'consumer');
    const list = listOption(ids, 'ids');
    return served(this.run((s) => s.write(() => claimEntries(s, stream, group, consumer, list, minIdle, options.justId === true))));
  }

  async autoClaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<AutoClaimResult> {
    this.open();
    msOption(minIdleMs, 'minIdleMs');
    intOption(count, 'count', 0, 1);
    nameOption(consumer, 'consumer');
    return served(this.run((s) => s.write(() => autoClaimEntries(s, stream, group, consumer, minIdleMs, start, count))));
  }

  async deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    return this.run((s) => s.write(() => deleteConsumer(s, stream, group, consumer)));
  }

  async trim(stream: string, retention: Retention): Promise<number> {
    this.open();
    const parsed = parseRetention(retention);
    return this.run((s) => s.write(() => applyRetention(s, stream, parsed)));
  }

  async expire(stream: string, ttlMs: number): Promise<boolean> {
    this.open();
    nameOption(stream, 'stream');
    intOption(ttlMs, 'ttlMs', 0, 1);
    return this.run((s) => s.write(() => s.sql('UPDATE streams SET expires_at = ? WHERE name = ?').run(Date.now() + ttlMs, stream).changes > 0));
  }

  async deleteEntries(stream: string, ids: readonly string[]): Promise<number> {
    this.open();
    const parsed = listOption(ids, 'ids').map((id) => parseId(id));
    return this.run((s) =>
      s.write(() => {
        let n = 0;
        for (const p of parsed) {
          const row = getStream(s, stream);
          if (row === undefined) return 0;
          if (deleteEntry(s, row, p.ms, p.seq)) n++;
        }
        return n;
      }),
    );
  }

  async deleteStreams(streams: readonly string[]): Promise<number> {
    this.open();
    const list = listOption(streams, 'streams');
    return this.run((s) =>
      s.write(() => {
        let n = 0;
        for (const name of list) if (deleteStream(s, name)) n++;
        return n;
      }),
    );
  }

  async info(stream: string): Promise<StreamInfo | null> {
    return this.snapshot((s) => {
      const row = getStream(s, stream);
      if (row === undefined) return null;
      const now = Date.now();
      const view = lagView(s, row);
      const groupRows = s.sql('SELECT name, last_ms, last_seq, entries_read FROM groups WHERE stream = ? ORDER BY name').all(stream) as {
        name: string;
        last_ms: number;
        last_seq: number;
        entries_read: number | null;
      }[];
      const groups: GroupInfo[] = groupRows.map((g) => {
        const consumers = s
          .sql('SELECT name, seen_time AS seen, active_time AS active FROM consumers WHERE stream = ? AND grp = ? ORDER BY name')
          .all(stream, g.name) as { name: string; seen: number; active: number | null }[];
        // One pass over the group's pending entries (they have no index by consumer).
        const byConsumer = new Map(
          s.sql('SELECT consumer, count(*) AS n FROM pending WHERE stream = ? AND grp = ? GROUP BY consumer').raw().all(stream, g.name) as [string, number][],
        );
        let pending = 0;
        for (const n of byConsumer.values()) pending += n;
        return {
          name: g.name,
          consumers: consumers.map((c) => ({
            name: c.name,
            pending: byConsumer.get(c.name) ?? 0,
            idleMs: Math.max(0, now - c.seen),
            inactiveMs: c.active === null ? null : Math.max(0, now - c.active),
          })),
          pending,
          lastDeliveredId: formatId(g.last_ms, g.last_seq),
          lag: lag(view, { lastMs: g.last_ms, lastSeq: g.last_seq, entriesRead: g.entries_read }),
        };
      });
      const first = edgeEntry(s, stream, false);
      const last = edgeEntry(s, stream, true);
      return {
        stream,
        length: row.length,
        firstEntry: first === undefined ? null : rowEntry(first),
        lastEntry: last === undefined ? null : rowEntry(last),
        lastGeneratedId: formatId(row.last_ms, row.last_seq),
        entriesAdded: row.entries_added,
        groups,
      };
    });
  }

  async listStreams(prefix: string, limit?: number): Promise<string[]> {
    this.open();
    if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'expected a string');
    const max = intOption(limit, 'limit', DEFAULT_LIST_LIMIT, 0);
    return this.snapshot((s) => {
      const rows = s.sql('SELECT name FROM streams WHERE substr(name, 1, length(@prefix)) = @prefix ORDER BY name LIMIT +@max').raw().all({ prefix, max }) as [
        string,
      ][];
      return rows.map((r) => r[0]);
    });
  }

  async length(stream: string): Promise<number> {
    return this.snapshot((s) => getStream(s, stream)?.length ?? 0);
  }

  async acquireLease(lease: string, owner: string, ttlMs: number): Promise<LeaseGrant> {
    checkLease(lease, owner);
    intOption(ttlMs, 'ttlMs', 0, 1);
    return this.run((s) => s.write(() => fencing.acquireLease(s, lease, owner, ttlMs)));
  }

  async renewLease(lease: string, owner: string, epoch: number, ttlMs: number): Promise<boolean> {
    checkLease(lease, owner, epoch);
    intOption(ttlMs, 'ttlMs', 0, 1);
    return this.run((s) => s.write(() => fencing.renewLease(s, lease, owner, epoch, ttlMs)));
  }

  async releaseLease(lease: string, owner: string, epoch: number): Promise<boolean> {
    checkLease(lease, owner, epoch);
    return this.run((s) => s.write(() => fencing.releaseLease(s, lease, owner, epoch)));
  }

  async leaseState(lease: string): Promise<LeaseState> {
    nameOption(lease, 'lease');
    return this.snapshot((s) => fencing.leaseState(s, lease));
  }

  /** The lease check and every part of the write in one transaction. */
  /** Follow-ups are appended in the same transaction as the rest of a fenced write. */
  readonly followUpsAtomic = true;

  async fencedWrite(write: FencedWrite): Promise<FencedWriteResult> {
    this.open();
    validateFencedWrite(write);
    return this.queued((s) => fencing.fencedWrite(s, write));
  }

  async hashGet(key: string, fields: readonly string[]): Promise<(Buffer | null)[]> {
    nameOption(key, 'key');
    const list = listOption(fields, 'fields');
    return this.snapshot((s) => fencing.hashGet(s, key, list));
  }

  async hashScan(key: string, cursor: string, count: number): Promise<HashScanPage> {
    nameOption(key, 'key');
    return served(this.snapshot((s) => fencing.hashScan(s, key, cursor, count)));
  }

  async hashLength(key: string): Promise<number> {
    nameOption(key, 'key');
    return this.snapshot((s) => fencing.hashLength(s, key));
  }

  async hashDelete(key: string): Promise<boolean> {
    nameOption(key, 'key');
    return this.run((s) => s.write(() => fencing.hashDelete(s, key)));
  }

  /** Idempotent. Blocked reads of this engine's readers resolve with `[]`. */
  async close(): Promise<void> {
    this.destroy();
  }

  /** The same as {@link close}: an engine takes no work of its own. */
  drain(): Promise<void> {
    return this.close();
  }

  /**
   * Idempotent; the same as {@link close} (every operation finishes before its
   * call returns), except that {@link closed} resolves with `error`.
   */
  destroy(error?: Error): void {
    const store = this.store;
    if (store === undefined) return;
    this.store = undefined;
    for (const reader of [...this.readers]) reader.shutdown();
    releaseStore(store);
    this.#closed.settle(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }
}
