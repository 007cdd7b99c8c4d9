/**
 * The engine contract: the stream operations every engine (memory://, Redis,
 * Redis Cluster, …) implements with the same semantics. The conformance suite in
 * `@streamerson/conformance` is its executable specification; any behaviour that
 * differs between engines is a bug in one of them.
 *
 * Semantics follow Redis Streams (>= 7.0): entry ids are `<ms>-<seq>`, consumer
 * groups keep a pending entries list (PEL) with delivery counts, and reads by a
 * group with id `>` deliver entries never delivered to that group.
 */
import type { Lifecycle } from '../lifecycle.js';

/** A field name or value as handed to an engine. Strings are written as UTF-8. */
export type FieldValue = string | Buffer;

/**
 * An entry as stored: its id and its fields as a flat list
 * `[name0, value0, name1, value1, …]`, in the order they were written.
 * Engines always return Buffers so that binary values survive unchanged.
 */
export interface RawEntry {
  readonly id: string;
  readonly fields: readonly Buffer[];
}

/** Entries read from one stream. */
export interface StreamEntries {
  readonly stream: string;
  readonly entries: readonly RawEntry[];
}

/**
 * How much a stream keeps. `maxLen` keeps about the newest N entries, `minId`
 * drops entries older than an id. Approximate (`~`, the default) trimming lets
 * Redis remove whole nodes only, which is much cheaper; exact trimming is
 * `approximate: false`. `limit` (approximate only; 0: none) is the most
 * entries one trim removes. Without it, `trim` removes everything its bound
 * allows (on Redis by repeating `XTRIM`, which stops at 100 nodes per call),
 * while an append's retention keeps the engine's own limit per append (Redis:
 * 100 nodes), enough when every append trims.
 */
export type Retention =
  | { readonly maxLen: number; readonly approximate?: boolean; readonly limit?: number }
  | { readonly minId: string; readonly approximate?: boolean; readonly limit?: number };

/** Options of a single append. */
export interface AppendOptions {
  /** Explicit entry id; default `*` (the engine generates one). */
  readonly id?: string;
  /** Trim the stream in the same command. */
  readonly retention?: Retention;
  /** Do not create the stream when it does not exist (`NOMKSTREAM`); the append then returns `null`. */
  readonly noMkStream?: boolean;
}

/** One append of a batch. */
export interface AppendItem extends AppendOptions {
  readonly stream: string;
  readonly fields: readonly FieldValue[];
}

/**
 * Result of an idempotent append: the entry id, and whether the message id had
 * already been appended within the dedupe window (then `id` is the id of the
 * first append and nothing was written).
 */
export interface IdempotentAppendResult {
  readonly id: string;
  readonly duplicate: boolean;
}

/** Entry ids of one stream to acknowledge. */
export interface StreamAcks {
  readonly stream: string;
  readonly ids: readonly string[];
}

/** Replies and acks a group member sends ahead of its next read (see {@link BlockingReader.readGroupAfter}). */
export interface WritesBeforeRead {
  readonly appends: readonly AppendItem[];
  readonly acks: readonly StreamAcks[];
  /** Called once, when the writes are done: without an argument on success, else with the error `appendAndAck` would reject with. */
  settled(error?: unknown): void;
}

/** Where a plain (non-group) read starts: after this id, exclusive. */
export interface ReadPosition {
  readonly stream: string;
  /**
   * Read entries with ids greater than this one. `0-0` reads from the beginning.
   * `$` means "entries appended after the read started" and is only meaningful
   * with blocking; prefer resolving the last id with {@link Engine.lastId}.
   */
  readonly after: string;
}

/** Options of a read. */
export interface ReadOptions {
  /** Most entries returned per stream; default 100. */
  readonly count?: number;
  /**
   * Block up to this many milliseconds when no entry is available; `0` blocks
   * until an entry arrives. Omitted: do not block. Blocking is only allowed on
   * a {@link BlockingReader}.
   */
  readonly blockMs?: number;
}

/** Where a group read starts for one stream. */
export interface GroupReadPosition {
  readonly stream: string;
  /** `>` for entries never delivered to the group, or an id to re-read this consumer's own pending entries after it. */
  readonly after: string;
}

/** Options of a group read. */
export interface GroupReadOptions extends ReadOptions {
  /** Do not add delivered entries to the PEL (`NOACK`). */
  readonly noAck?: boolean;
}

/** Where a new group starts: `$` (only new entries, the default), `0` (the whole stream) or an id. */
export type GroupStart = string;

/** Summary of a group's pending entries (XPENDING without range). */
export interface PendingSummary {
  readonly count: number;
  readonly lowestId: string | null;
  readonly highestId: string | null;
  readonly consumers: readonly { readonly name: string; readonly pending: number }[];
}

/** One pending entry (XPENDING with range). */
export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  /** Milliseconds since the entry was last delivered. */
  readonly idleMs: number;
  /** How many times the entry was delivered (1 after the first delivery). */
  readonly deliveries: number;
}

/** Range query over a group's pending entries. */
export interface PendingRangeOptions {
  readonly start?: string;
  readonly end?: string;
  readonly count: number;
  readonly consumer?: string;
  readonly minIdleMs?: number;
}

/** Options of an explicit claim (XCLAIM). */
export interface ClaimOptions {
  /** Claim only entries idle at least this long. */
  readonly minIdleMs: number;
  /** Leave the delivery count unchanged (XCLAIM `JUSTID` semantics for counts); default false: count it. */
  readonly justId?: boolean;
}

/** Result of an auto-claim (XAUTOCLAIM). */
export interface AutoClaimResult {
  /** Where the next scan should start; `0-0` when the scan wrapped around the whole PEL. */
  readonly next: string;
  /** Entries now owned by the claiming consumer, delivery counts incremented. */
  readonly entries: readonly RawEntry[];
  /** Ids that were pending but no longer exist in the stream (trimmed/deleted); removed from the PEL. */
  readonly deletedIds: readonly string[];
}

/** A consumer of a group, as reported by {@link Engine.info}. */
export interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  /** Milliseconds since the consumer's last read or claim. */
  readonly idleMs: number;
  /** Milliseconds since the consumer's last successful read or claim that delivered entries, or null when unknown/never. */
  readonly inactiveMs: number | null;
}

/** A consumer group, as reported by {@link Engine.info}. */
export interface GroupInfo {
  readonly name: string;
  readonly consumers: readonly ConsumerInfo[];
  readonly pending: number;
  readonly lastDeliveredId: string;
  /** Entries in the stream not yet delivered to the group; null when the engine cannot tell (after arbitrary deletions). */
  readonly lag: number | null;
}

/** A stream's state. */
export interface StreamInfo {
  readonly stream: string;
  readonly length: number;
  readonly firstEntry: RawEntry | null;
  readonly lastEntry: RawEntry | null;
  /** Last id the stream generated; survives trimming and deletion of entries. */
  readonly lastGeneratedId: string;
  readonly entriesAdded: number;
  readonly groups: readonly GroupInfo[];
}

/**
 * A dedicated reader: the only place where reads may block. On Redis it owns
 * its own connection so that a blocking read never stalls other commands.
 * Closing it interrupts a read under way, which then resolves with no entries.
 */
export interface BlockingReader {
  read(positions: readonly ReadPosition[], options?: ReadOptions): Promise<StreamEntries[]>;
  readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options?: GroupReadOptions): Promise<StreamEntries[]>;
  /**
   * Optional: `Engine.appendAndAck(writes.appends, group, writes.acks)`, then
   * `readGroup(group, consumer, positions, options)`, sent together on the
   * reader's connection — one round trip where there would be two. The
   * writes' outcome goes to `writes.settled`, as `appendAndAck` would settle;
   * the read's to the returned promise. Engines that cannot do better than two
   * separate calls leave it out.
   */
  readGroupAfter?(
    writes: WritesBeforeRead,
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: GroupReadOptions,
  ): Promise<StreamEntries[]>;
  /**
   * Ends the read under way as if its block time had passed: it resolves with
   * what it has (usually no entries) at once. The reader stays open for the
   * next read, on the same connection — the way to change what a blocked read
   * waits on without opening a new one. Nothing happens when no read is
   * under way.
   */
  interrupt(): void;
  /** Idempotent. Interrupts a read under way. */
  close(): Promise<void>;
}

/** What {@link Engine.stats} reports; engines may add their own counters. */
export interface EngineStats {
  /** Blocking readers open. */
  readonly readers: number;
  /**
   * Whether the connection to the engine's server is up now (false while it
   * reconnects); engines without a server (`memory://`, `file://`) leave it out.
   * Lets callers answer "unavailable" at once instead of queueing work.
   */
  readonly connected?: boolean;
}

/**
 * What an engine can do, for code that must adapt to it. Code asks for a
 * capability, never for an engine by name.
 */
export interface EngineCapabilities {
  /**
   * One blocking read waits on several streams at once, on one connection.
   * False on a Redis Cluster, where streams of different hash slots each need
   * a blocking command and a connection of their own: a consumer there reads
   * each stream on a reader of its own.
   */
  readonly multiStreamBlockingRead: boolean;
  /** Streams outlive the process that wrote them (false for `memory://`). */
  readonly persistent: boolean;
  /** Other processes can open the same streams (false for `memory://`). */
  readonly shared: boolean;
}

/**
 * The stream engine. Non-blocking operations share one connection (pipelined on
 * Redis); blocking reads go through {@link Engine.openReader}.
 *
 * Every operation on a closed engine rejects with `ERR_STREAMERSON_CLOSED`.
 * Engine-side failures reject with `ERR_STREAMERSON_ENGINE` (or `_NO_GROUP`,
 * `_INVALID_ID`, `_ID_TOO_SMALL`, `_CONNECTION`).
 *
 * Lifecycle ({@link Lifecycle}): an engine from `connect()` is usable at once;
 * `start()` resolves once it reaches its server (a PING on Redis). `close()`
 * finishes the commands under way, then closes; `drain()` is the same (an
 * engine takes no work of its own); `destroy()` rejects commands under way.
 */
export interface Engine extends Lifecycle<EngineStats> {
  /** What the engine is, for diagnostics only (`memory`, `redis`, `redis-cluster`, …): code asks {@link capabilities} instead. */
  readonly kind: string;
  /** What the engine can do. */
  readonly capabilities: EngineCapabilities;
  /** The URL the engine was made from, password redacted. */
  readonly url: string;

  /** Appends one entry; resolves with its id (or `null` with `noMkStream` on a missing stream). */
  append(stream: string, fields: readonly FieldValue[], options?: AppendOptions): Promise<string | null>;
  /** Appends many entries in one round trip (pipelined); ids in the same order. */
  appendBatch(items: readonly AppendItem[]): Promise<(string | null)[]>;
  /**
   * Appends unless `messageId` was appended to this stream within `windowMs`;
   * atomic (a Lua script on Redis). The dedupe record lives in the stream's slot.
   */
  appendIdempotent(
    stream: string,
    fields: readonly FieldValue[],
    messageId: string,
    windowMs: number,
    options?: AppendOptions,
  ): Promise<IdempotentAppendResult>;

  /**
   * The entry id that {@link appendIdempotent} recorded for `messageId` on
   * `stream`, while its window lasts; null when there is none.
   */
  idempotentId(stream: string, messageId: string): Promise<string | null>;

  /** Non-blocking read after the given positions. */
  read(positions: readonly ReadPosition[], options?: Omit<ReadOptions, 'blockMs'>): Promise<StreamEntries[]>;
  /** Entries with `start <= id <= end` (`-` and `+` are the extremes; `(id` is exclusive), oldest first. */
  range(stream: string, start: string, end: string, count?: number): Promise<RawEntry[]>;
  /** Same as {@link range}, newest first; `end` is the upper bound. */
  revRange(stream: string, end: string, start: string, count?: number): Promise<RawEntry[]>;
  /** Last generated id of the stream, or `0-0` when the stream does not exist. */
  lastId(stream: string): Promise<string>;
  /** A dedicated reader for blocking reads. */
  openReader(): BlockingReader;

  /** Creates a group; creates the stream when missing. Resolves false when the group already existed. */
  createGroup(stream: string, group: string, start?: GroupStart): Promise<boolean>;
  /** Deletes a group; resolves false when it did not exist. */
  destroyGroup(stream: string, group: string): Promise<boolean>;
  /** Moves a group's last-delivered id. */
  setGroupId(stream: string, group: string, id: string): Promise<void>;
  /** Non-blocking group read. */
  readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options?: Omit<GroupReadOptions, 'blockMs'>): Promise<StreamEntries[]>;
  /** Acknowledges entries; resolves with how many were pending. */
  ack(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /**
   * Appends `items`, then acknowledges `acks` for `group` — never an ack
   * without the appends before it: standalone Redis sends both in one
   * MULTI/EXEC transaction (one round trip; a transaction Redis refuses, for
   * example when out of memory, applies nothing); other engines ack only after
   * every append succeeded. Rejects when an append fails.
   */
  appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void>;
  pendingSummary(stream: string, group: string): Promise<PendingSummary>;
  pendingRange(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntry[]>;
  /** Transfers ownership of pending entries idle at least `minIdleMs`; returns the claimed entries that still exist. */
  claim(stream: string, group: string, consumer: string, ids: readonly string[], options: ClaimOptions): Promise<RawEntry[]>;
  /** Scans the PEL from `start` and claims up to `count` entries idle at least `minIdleMs`. */
  autoClaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<AutoClaimResult>;
  /** Deletes a consumer; resolves with the number of pending entries it had (they are dropped from the PEL). */
  deleteConsumer(stream: string, group: string, consumer: string): Promise<number>;

  /** Trims a stream; resolves with the number of entries removed. */
  trim(stream: string, retention: Retention): Promise<number>;
  /** Deletes entries by id; resolves with how many existed. */
  deleteEntries(stream: string, ids: readonly string[]): Promise<number>;
  /** Deletes whole streams (and their groups); resolves with how many existed. */
  deleteStreams(streams: readonly string[]): Promise<number>;
  /**
   * Deletes the stream `ttlMs` from now unless this is called again first
   * (which sets a new time). Appends do not change the time; a stream deleted
   * and created again has none. Resolves false when the stream does not exist.
   */
  expire(stream: string, ttlMs: number): Promise<boolean>;
  /** Length and groups of a stream, or null when it does not exist. */
  info(stream: string): Promise<StreamInfo | null>;
  /** Names of the streams whose key starts with `prefix`, sorted. Bounded by `limit` (default 10,000). */
  listStreams(prefix: string, limit?: number): Promise<string[]>;
  /** Number of entries; 0 when the stream does not exist. */
  length(stream: string): Promise<number>;

  /** Finishes commands under way, then closes. Idempotent. */
  close(): Promise<void>;
  /** Closes now; commands under way reject with `ERR_STREAMERSON_CLOSED`. Idempotent. */
  destroy(error?: Error): void;
}
