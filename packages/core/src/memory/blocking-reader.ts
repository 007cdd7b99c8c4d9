import type { BlockingReader, GroupReadOptions, GroupReadPosition, ReadOptions, ReadPosition, StreamEntries } from '../engine/types.js';
import { ClosedError } from '../errors.js';
import { readGroupEntries, checkGroupPositions } from './group-ops.js';
import type { MemoryStore } from './memory-store.js';
import { groupReadArgs, readArgs } from './options.js';
import { readEntries, resolvePositions } from './stream-ops.js';
import { BlockedReads } from './blocked-read.js';
import { served } from './served-reads.js';

/** What a reader needs from its engine. */
export interface ReaderHost {
  /** The engine's store; throws `ERR_STREAMERSON_CLOSED` once the engine is closed. */
  currentStore(): MemoryStore;
  readerClosed(reader: MemoryBlockingReader): void;
}

/**
 * The memory engine's {@link BlockingReader}: reads with `blockMs` wait for
 * appends to their streams (0 waits forever) and resolve `[]` on timeout.
 * Closing the reader or its engine resolves waiting reads with `[]` at once.
 */
export class MemoryBlockingReader implements BlockingReader {
  /** @internal Reads under way. */
  readonly blocked = new BlockedReads();
  private closed = false;

  constructor(private readonly host: ReaderHost) {}

  private open(): MemoryStore {
    if (this.closed) throw new ClosedError('memory engine reader');
    return this.host.currentStore();
  }

  async read(positions: readonly ReadPosition[], options: ReadOptions = {}): Promise<StreamEntries[]> {
    const store = this.open();
    const { count, blockMs, list } = readArgs(positions, options);
    // `$` means entries appended after this call, so it is resolved once, now.
    const resolved = resolvePositions(store, list);
    const first = readEntries(store, resolved, count);
    if (first.length > 0 || blockMs === undefined) return served(first);
    return this.blocked.wait(
      resolved.map((p) => p.stream),
      store.waiters,
      () => readEntries(store, resolved, count),
      { blockMs },
    );
  }

  async readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options: GroupReadOptions = {}): Promise<StreamEntries[]> {
    const store = this.open();
    const { count, blockMs, noAck, list } = groupReadArgs(group, consumer, positions, options);
    checkGroupPositions(store, group, list);
    const first = readGroupEntries(store, group, consumer, list, count, noAck);
    // Reads of pending entries by id never block, as in Redis.
    if (first.length > 0 || blockMs === undefined || list.some((p) => p.after !== '>')) return served(first);
    return this.blocked.wait(
      list.map((p) => p.stream),
      store.waiters,
      () => readGroupEntries(store, group, consumer, list, count, noAck),
      { blockMs },
    );
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
    this.host.readerClosed(this);
  }
}
