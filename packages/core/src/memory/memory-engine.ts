import type {
  AppendItem,
  StreamAcks,
  AppendOptions,
  AutoClaimResult,
  BlockingReader,
  ClaimOptions,
  Engine,
  EngineCapabilities,
  EngineStats,
  FieldValue,
  GroupInfo,
  GroupReadOptions,
  GroupReadPosition,
  GroupStart,
  IdempotentAppendResult,
  PendingEntry,
  PendingRangeOptions,
  PendingSummary,
  RawEntry,
  ReadOptions,
  ReadPosition,
  Retention,
  StreamEntries,
  StreamInfo,
} from '../engine/types.js';
import type { Fencing, FencedWrite, FencedWriteResult, HashScanPage, LeaseGrant, LeaseState } from '../engine/fencing.js';
import * as fencing from './fencing-ops.js';
import { ClosedError, EngineError, InvalidOptionError } from '../errors.js';
import { ClosedSignal } from '../lifecycle.js';
import { served } from './served-reads.js';
import { MemoryBlockingReader } from './blocking-reader.js';
import {
  ackEntries,
  autoClaimEntries,
  claimEntries,
  createGroup,
  pendingRange,
  pendingSummary,
  readGroupEntries,
  requireGroup,
  setGroupId,
} from './group-ops.js';
import { formatId, parseId } from './ids.js';
import { acquireStore, releaseStore, type MemoryStore } from './memory-store.js';
import { intOption } from '../options.js';
import { DEFAULT_LIST_LIMIT, DEFAULT_READ_COUNT, listOption, msOption, nameOption, parseRetention } from './options.js';
import { appendEntry, applyRetention, rangeEntries, readEntries, resolvePositions } from './stream-ops.js';
import { toRawEntry } from './stored-entry.js';

/** Name of the store of `memory://` without a name. */
export const DEFAULT_MEMORY_NAME = 'default';

/**
 * The in-process engine behind `memory://<name>`: Redis 7.0 Streams semantics
 * in the same process, for development, tests and demos. Engines made with the
 * same name share their streams; the streams go away when the last of them
 * closes.
 *
 * Differences from Redis, by design: id parts above `Number.MAX_SAFE_INTEGER`
 * are rejected (`ERR_STREAMERSON_INVALID_ID`); approximate trimming trims
 * exactly (never keeping fewer entries than asked); a pending entry deleted
 * from the stream is read back as `{ id, fields: [] }` where Redis answers nil
 * fields. Every operation runs when called, in call order, and its promise
 * settles on a later microtask, as with a pipelined network engine.
 */
export class MemoryEngine implements Engine, Fencing {
  readonly kind = 'memory';
  readonly capabilities: EngineCapabilities = Object.freeze({ multiStreamBlockingRead: true, persistent: false, shared: false });
  readonly url: string;
  private store: MemoryStore | undefined;
  private readonly readers = new Set<MemoryBlockingReader>();
  readonly #closed = new ClosedSignal();

  /** @param name the shared store to use; default {@link DEFAULT_MEMORY_NAME}. */
  constructor(readonly name: string = DEFAULT_MEMORY_NAME) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new InvalidOptionError('name', 'a memory engine name is 1 or more letters, digits, "_", "." or "-"');
    }
    this.url = `memory://${name}`;
    this.store = acquireStore(name);
  }

  /** Settles once the engine is closed (see {@link Lifecycle.closed}). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /** Nothing to connect to: resolves at once, or rejects with `ERR_STREAMERSON_CLOSED`. */
  async start(): Promise<void> {
    this.open();
  }

  stats(): EngineStats {
    return { readers: this.readers.size };
  }

  private open(): MemoryStore {
    if (this.store === undefined) throw new ClosedError(`memory engine ${this.url}`);
    return this.store;
  }

  async append(stream: string, fields: readonly FieldValue[], options?: AppendOptions): Promise<string | null> {
    const store = this.open();
    const id = appendEntry(store, nameOption(stream, 'stream'), fields, options);
    if (id !== null) store.waiters.notify(stream);
    return id;
  }

  /** Runs every append like a pipeline: a failed item does not stop the others; the first failure rejects the batch. */
  async appendBatch(items: readonly AppendItem[]): Promise<(string | null)[]> {
    const store = this.open();
    if (!Array.isArray(items)) throw new InvalidOptionError('items', 'expected an array');
    const ids: (string | null)[] = [];
    let failure: unknown;
    let failed = false;
    for (const item of items) {
      try {
        const id = appendEntry(store, nameOption(item.stream, 'stream'), item.fields, item);
        if (id !== null) store.waiters.notify(item.stream);
        ids.push(id);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
        ids.push(null);
      }
    }
    if (failed) throw failure;
    return ids;
  }

  async appendIdempotent(
    stream: string,
    fields: readonly FieldValue[],
    messageId: string,
    windowMs: number,
    options?: AppendOptions,
  ): Promise<IdempotentAppendResult> {
    const store = this.open();
    nameOption(stream, 'stream');
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    intOption(windowMs, 'windowMs', 0, 1);
    const now = Date.now();
    const first = store.dedupe.get(stream, messageId, now);
    if (first !== undefined) return { id: first, duplicate: true };
    const id = appendEntry(store, stream, fields, options);
    if (id === null) throw new EngineError('ERR_STREAMERSON_ENGINE', `stream "${stream}" does not exist (noMkStream)`);
    store.dedupe.set(stream, messageId, id, windowMs, now);
    store.waiters.notify(stream);
    return { id, duplicate: false };
  }

  async read(positions: readonly ReadPosition[], options: Omit<ReadOptions, 'blockMs'> = {}): Promise<StreamEntries[]> {
    const store = this.open();
    if ((options as ReadOptions).blockMs !== undefined) throw new InvalidOptionError('blockMs', 'blocking reads need openReader()');
    const count = intOption(options.count, 'count', DEFAULT_READ_COUNT, 1);
    return served(readEntries(store, resolvePositions(store, listOption(positions, 'positions')), count));
  }

  async range(stream: string, start: string, end: string, count?: number): Promise<RawEntry[]> {
    const store = this.open();
    return served(rangeEntries(store, nameOption(stream, 'stream'), start, end, intOption(count, 'count', Infinity, 0), false));
  }

  async revRange(stream: string, end: string, start: string, count?: number): Promise<RawEntry[]> {
    const store = this.open();
    return served(rangeEntries(store, nameOption(stream, 'stream'), start, end, intOption(count, 'count', Infinity, 0), true));
  }

  async idempotentId(stream: string, messageId: string): Promise<string | null> {
    const store = this.open();
    nameOption(stream, 'stream');
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    return store.dedupe.get(stream, messageId, Date.now()) ?? null;
  }

  async lastId(stream: string): Promise<string> {
    const s = this.open().streams.get(stream);
    return s === undefined ? '0-0' : formatId(s.lastMs, s.lastSeq);
  }

  /** A reader for blocking reads; closing the engine closes it. Opened on a closed engine, its reads reject CLOSED. */
  openReader(): BlockingReader {
    const reader = new MemoryBlockingReader({
      currentStore: () => this.open(),
      readerClosed: (r) => this.readers.delete(r),
    });
    if (this.store !== undefined) this.readers.add(reader);
    return reader;
  }

  async createGroup(stream: string, group: string, start: GroupStart = '$'): Promise<boolean> {
    const store = this.open();
    return createGroup(store, nameOption(stream, 'stream'), nameOption(group, 'group'), start);
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    const store = this.open();
    const existed = store.streams.get(stream)?.groups.delete(group) ?? false;
    // Group reads blocked on this group now fail with ERR_STREAMERSON_NO_GROUP.
    if (existed) store.waiters.notify(stream);
    return existed;
  }

  async setGroupId(stream: string, group: string, id: string): Promise<void> {
    setGroupId(this.open(), stream, group, id);
  }

  async readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options: Omit<GroupReadOptions, 'blockMs'> = {},
  ): Promise<StreamEntries[]> {
    const store = this.open();
    if ((options as GroupReadOptions).blockMs !== undefined) throw new InvalidOptionError('blockMs', 'blocking reads need openReader()');
    const count = intOption(options.count, 'count', DEFAULT_READ_COUNT, 1);
    nameOption(group, 'group');
    return served(readGroupEntries(store, group, nameOption(consumer, 'consumer'), listOption(positions, 'positions'), count, options.noAck === true));
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    return ackEntries(this.open(), stream, group, listOption(ids, 'ids'));
  }

  async appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void> {
    await this.appendBatch(items);
    for (const a of listOption(acks, 'acks')) await this.ack(a.stream, group, a.ids);
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return pendingSummary(this.open(), stream, group);
  }

  async pendingRange(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntry[]> {
    const store = this.open();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected { count, … }');
    const count = intOption(options.count, 'count', -1, 0);
    if (count < 0) throw new InvalidOptionError('count', 'required');
    if (options.minIdleMs !== undefined) msOption(options.minIdleMs, 'minIdleMs');
    return served(pendingRange(store, stream, group, options, count));
  }

  async claim(stream: string, group: string, consumer: string, ids: readonly string[], options: ClaimOptions): Promise<RawEntry[]> {
    const store = this.open();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected { minIdleMs }');
    const minIdle = msOption(options.minIdleMs, 'minIdleMs');
    return served(claimEntries(store, stream, group, nameOption(consumer, 'consumer'), listOption(ids, 'ids'), minIdle, options.justId === true));
  }

  async autoClaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<AutoClaimResult> {
    const store = this.open();
    msOption(minIdleMs, 'minIdleMs');
    intOption(count, 'count', 0, 1);
    return served(autoClaimEntries(store, stream, group, nameOption(consumer, 'consumer'), minIdleMs, start, count));
  }

  async deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    const { g } = requireGroup(this.open(), stream, group);
    return g.deleteConsumer(consumer);
  }

  async trim(stream: string, retention: Retention): Promise<number> {
    const store = this.open();
    const parsed = parseRetention(retention);
    const s = store.streams.get(stream);
    return s === undefined ? 0 : applyRetention(s, parsed);
  }

  async expire(stream: string, ttlMs: number): Promise<boolean> {
    const store = this.open();
    nameOption(stream, 'stream');
    intOption(ttlMs, 'ttlMs', 0, 1);
    const s = store.streams.get(stream);
    if (s === undefined) return false;
    store.expireLater(stream, s, ttlMs);
    return true;
  }

  async deleteEntries(stream: string, ids: readonly string[]): Promise<number> {
    const store = this.open();
    const parsed = listOption(ids, 'ids').map((id) => parseId(id));
    const s = store.streams.get(stream);
    if (s === undefined) return 0;
    let n = 0;
    for (const p of parsed) if (s.delete(p.ms, p.seq)) n++;
    return n;
  }

  async deleteStreams(streams: readonly string[]): Promise<number> {
    const store = this.open();
    let n = 0;
    for (const name of listOption(streams, 'streams')) {
      if (!store.streams.delete(name)) continue;
      n++;
      store.waiters.notify(name);
    }
    return n;
  }

  async info(stream: string): Promise<StreamInfo | null> {
    const s = this.open().streams.get(stream);
    if (s === undefined) return null;
    const now = Date.now();
    const groups: GroupInfo[] = [];
    // Redis keeps groups and consumers in radix trees, so XINFO lists them by name.
    for (const g of [...s.groups.values()].sort(byName)) {
      groups.push({
        name: g.name,
        consumers: [...g.consumers.values()].sort(byName).map((c) => ({
          name: c.name,
          pending: c.pending.size,
          idleMs: Math.max(0, now - c.seenTime),
          inactiveMs: c.activeTime === null ? null : Math.max(0, now - c.activeTime),
        })),
        pending: g.pendingCount,
        lastDeliveredId: formatId(g.lastMs, g.lastSeq),
        lag: g.lag(s),
      });
    }
    const first = s.first();
    const last = s.last();
    return {
      stream,
      length: s.length,
      firstEntry: first === undefined ? null : toRawEntry(first),
      lastEntry: last === undefined ? null : toRawEntry(last),
      lastGeneratedId: formatId(s.lastMs, s.lastSeq),
      entriesAdded: s.entriesAdded,
      groups,
    };
  }

  async listStreams(prefix: string, limit?: number): Promise<string[]> {
    const store = this.open();
    if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'expected a string');
    const max = intOption(limit, 'limit', DEFAULT_LIST_LIMIT, 0);
    const names: string[] = [];
    for (const name of store.streams.keys()) if (name.startsWith(prefix)) names.push(name);
    names.sort();
    return names.length > max ? names.slice(0, max) : names;
  }

  async length(stream: string): Promise<number> {
    return this.open().streams.get(stream)?.length ?? 0;
  }

  async acquireLease(lease: string, owner: string, ttlMs: number): Promise<LeaseGrant> {
    return fencing.acquireLease(this.open(), lease, owner, ttlMs);
  }

  async renewLease(lease: string, owner: string, epoch: number, ttlMs: number): Promise<boolean> {
    return fencing.renewLease(this.open(), lease, owner, epoch, ttlMs);
  }

  async releaseLease(lease: string, owner: string, epoch: number): Promise<boolean> {
    return fencing.releaseLease(this.open(), lease, owner, epoch);
  }

  async leaseState(lease: string): Promise<LeaseState> {
    return fencing.leaseState(this.open(), nameOption(lease, 'lease'));
  }

  /** Follow-ups are appended in the same synchronous step as the rest of a fenced write. */
  readonly followUpsAtomic = true;

  async fencedWrite(write: FencedWrite): Promise<FencedWriteResult> {
    return fencing.fencedWrite(this.open(), write);
  }

  async hashGet(key: string, fields: readonly string[]): Promise<(Buffer | null)[]> {
    return fencing.hashGet(this.open(), nameOption(key, 'key'), listOption(fields, 'fields'));
  }

  async hashScan(key: string, cursor: string, count: number): Promise<HashScanPage> {
    return served(fencing.hashScan(this.open(), nameOption(key, 'key'), cursor, count));
  }

  async hashLength(key: string): Promise<number> {
    return this.open().hashes.get(nameOption(key, 'key'))?.size ?? 0;
  }

  async hashDelete(key: string): Promise<boolean> {
    return this.open().hashes.delete(nameOption(key, 'key'));
  }

  /** Idempotent. Blocked reads of this engine's readers resolve with `[]`. */
  async close(): Promise<void> {
    this.destroy();
  }

  /** The same as {@link close}: an engine takes no work of its own. */
  drain(): Promise<void> {
    return this.close();
  }

  /** Idempotent; the same as {@link close} (nothing is ever under way between calls), except that {@link closed} resolves with `error`. */
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

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
