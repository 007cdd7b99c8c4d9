import {
  ClosedError,
  StreamersonError,
  type WritesBeforeRead,
  type BlockingReader,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import { BlockedReads, groupReadArgs, readArgs, served } from '@streamerson/core/internal';
import { appendAndAckEntries, type BatchResult } from './append-batch.js';
import { nothingToDeliver, readGroupEntries } from './group-ops.js';
import type { FileStore } from './store.js';
import { readEntries, resolvePositions, type ResolvedPosition } from './stream-ops.js';

/**
 * How often a blocked read re-runs on its own, in case a notification was lost
 * (a file system without change events): the worst-case wake-up delay then,
 * not the usual one, which is that of a file-change event (well under a
 * millisecond on Linux).
 */
export const DEFAULT_RECHECK_MS = 200;

/** A group read's checked arguments and its attempts (see `FileBlockingReader.groupRead`). */
interface GroupRead {
  readonly group: string;
  readonly list: readonly GroupReadPosition[];
  readonly blockMs: number | undefined;
  /** Its statements, inside a write transaction. */
  entries(store: FileStore): StreamEntries[];
  /** One attempt in a write transaction of its own. */
  attempt(): StreamEntries[];
}

/** What a reader needs from its engine. */
export interface ReaderHost {
  /** The engine's store; throws `ERR_STREAMERSON_CLOSED` once the engine is closed. */
  currentStore(): FileStore;
  /** Runs one operation of the engine with its error mapping (see `FileEngine`). */
  run<T>(fn: (store: FileStore) => T): T;
  /** {@link run} of an operation that only reads, in one read transaction. */
  snapshot<T>(fn: (store: FileStore) => T): T;
  readerClosed(reader: FileBlockingReader): void;
}

/**
 * The file engine's {@link BlockingReader}: reads with `blockMs` wait for
 * appends to their streams, made by this process or any other (0 waits
 * forever), and resolve `[]` on timeout. The reader watches the store's
 * notification files while it is open. Closing the reader or its engine
 * resolves waiting reads with `[]` at once.
 */
export class FileBlockingReader implements BlockingReader {
  /** @internal Reads under way. */
  readonly blocked = new BlockedReads();
  private closed = false;
  private readonly store: FileStore | undefined;

  constructor(private readonly host: ReaderHost) {
    try {
      this.store = host.currentStore();
      this.store.notifier.watch();
    } catch {
      // Opened on a closed engine: every read rejects with ERR_STREAMERSON_CLOSED.
      this.closed = true;
    }
  }

  private open(): FileStore {
    if (this.closed) throw new ClosedError('file engine reader');
    return this.host.currentStore();
  }

  async read(positions: readonly ReadPosition[], options: ReadOptions = {}): Promise<StreamEntries[]> {
    const store = this.open();
    const { count, blockMs, list } = readArgs(positions, options);
    // `$` means entries appended after this call, so it is resolved once, now (in the first attempt's transaction).
    let resolved: ResolvedPosition[] = [];
    const first = this.host.snapshot((s) => readEntries(s, (resolved = resolvePositions(s, list)), count));
    const attempt = (): StreamEntries[] => this.host.snapshot((s) => readEntries(s, resolved, count));
    if (first.length > 0 || blockMs === undefined) return served(first);
    return this.wait(
      store,
      resolved.map((p) => p.stream),
      attempt,
      blockMs,
    );
  }

  async readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options: GroupReadOptions = {}): Promise<StreamEntries[]> {
    const read = this.groupRead(group, consumer, positions, options);
    return this.readGroupFrom(read.attempt(), read);
  }

  /**
   * `appendAndAck` of `writes`, then the group read, in one transaction: one
   * commit where there would be two. The writes commit even when the read is
   * refused (no such group); `writes.settled` is called after the commit.
   * Blocked, the read's later attempts are those of {@link readGroup}.
   */
  async readGroupAfter(
    writes: WritesBeforeRead,
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options: GroupReadOptions = {},
  ): Promise<StreamEntries[]> {
    let read: GroupRead;
    let batch: BatchResult;
    let first: StreamEntries[] | { readonly refused: unknown };
    try {
      read = this.groupRead(group, consumer, positions, options);
      [batch, first] = this.host.run((s) =>
        s.write(() => {
          const appended = appendAndAckEntries(s, writes.appends, group, writes.acks);
          try {
            return [appended, read.entries(s)] as const;
          } catch (refused) {
            // Refused before it wrote anything (checks come first): the writes still commit.
            if (!(refused instanceof StreamersonError)) throw refused;
            return [appended, { refused }] as const;
          }
        }),
      );
    } catch (error) {
      writes.settled(error);
      throw error;
    }
    writes.settled(batch.failed ? batch.failure : undefined);
    if (!Array.isArray(first)) throw first.refused;
    return this.readGroupFrom(first, read);
  }

  /** The checked arguments of a group read, and its attempts (each in a write transaction of its own, or inside one). */
  private groupRead(group: string, consumer: string, positions: readonly GroupReadPosition[], options: GroupReadOptions): GroupRead {
    this.open();
    const { count, blockMs, noAck, list } = groupReadArgs(group, consumer, positions, options);
    const entries = (s: FileStore): StreamEntries[] => readGroupEntries(s, group, consumer, list, count, noAck);
    return { group, list, blockMs, entries, attempt: () => this.host.run((s) => s.write(() => entries(s))) };
  }

  /** A group read's answer from its first attempt, or its wait for entries. */
  private readGroupFrom(first: StreamEntries[], { group, list, blockMs, attempt }: GroupRead): Promise<StreamEntries[]> | StreamEntries[] {
    const store = this.open();
    // Reads of pending entries by id never block, as in Redis.
    if (first.length > 0 || blockMs === undefined || list.some((p) => p.after !== '>')) return served(first);
    const streams = list.map((p) => p.stream);
    // Woken again, the read first checks without writing whether anything is new (the consumer's seen time was set by the first attempt).
    const retry = (): StreamEntries[] => (this.host.snapshot((s) => nothingToDeliver(s, group, streams)) ? [] : attempt());
    return this.wait(store, streams, retry, blockMs);
  }

  private wait(store: FileStore, streams: readonly string[], attempt: () => StreamEntries[], blockMs: number): Promise<StreamEntries[]> {
    return this.blocked.wait(streams, store.notifier, attempt, { blockMs, recheckMs: DEFAULT_RECHECK_MS });
  }

  /** Ends the reads under way with `[]`, as their block time would; the reader stays open. */
  interrupt(): void {
    this.blocked.finishAll();
  }

  /** Idempotent; a read under way resolves with `[]`. */
  async close(): Promise<void> {
    this.shutdown();
  }

  /** @internal Closes without waiting (engine shutdown). */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.blocked.finishAll();
    this.store?.notifier.unwatch();
    this.host.readerClosed(this);
  }
}
