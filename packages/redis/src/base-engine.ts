import type { Cluster, Redis } from 'ioredis';
import {
  ClosedError,
  EngineError,
  InvalidOptionError,
  auxKey,
  type AppendItem,
  type AppendOptions,
  type AutoClaimResult,
  type BlockingReader,
  type ClaimOptions,
  type Engine,
  type EngineCapabilities,
  type EngineStats,
  type FieldValue,
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
  type StreamEntries,
  type StreamInfo,
  type StreamAcks,
  type Fencing,
  type FencedWrite,
  type FencedWriteResult,
  type HashScanPage,
  type LeaseGrant,
  type LeaseState,
} from '@streamerson/core';
import { ClosedSignal } from '@streamerson/core/internal';
import { pushRetention, xackCommand, xaddArgs, xaddCommand, xreadArgs, xreadgroupArgs, type Arg } from './commands.js';
import { isNoSuchKey, toStreamersonError, watchConnection } from './errors.js';
import { lastGeneratedId, toEntries, toGroups, toIds, toPendingEntries, toPendingSummary, toStreamEntries, toStreamInfo } from './replies.js';
import { afterReplicas, waitForReplicas, type ReplicaWait } from './replication.js';
import { APPEND_IDEMPOTENT, appendIdempotentScript } from './scripts/index.js';
import * as fencing from './fencing.js';

/**
 * Single appends leave together once the event loop has run the I/O callbacks
 * at hand (`setImmediate`): a gateway's requests that arrived on many sockets
 * at once become one write instead of one each. At most this many go in one
 * write: under load (a client answering a batch of replies with new requests)
 * the first ones reach Redis, and the worker, while later ones are still being
 * made.
 */
export const APPEND_FLUSH_AT = 16;

/** Streams returned by `listStreams` without `limit`. */
export const DEFAULT_LIST_LIMIT = 10_000;
/** Most XTRIM calls of one approximate `trim` without `limit` (10,000,000 entries with Redis' defaults); the next trim goes on. */
const MAX_TRIM_CALLS = 1_000;

/** A client of either kind: both speak every command we send. */
export type Client = Redis | Cluster;

/** Buffer-answering commands the engine sends. */
export type BufferCommand =
  | 'xreadBuffer'
  | 'xreadgroupBuffer'
  | 'xrangeBuffer'
  | 'xrevrangeBuffer'
  | 'xinfoBuffer'
  | 'xpendingBuffer'
  | 'xclaimBuffer'
  | 'xautoclaimBuffer';

type IdempotentCommand = (...args: Arg[]) => Promise<[string, number]>;

/** What one XADD of a pipeline came back with: its error, or its id (null: NOMKSTREAM found no stream). */
export type AppendResult = [Error | null, string | null];

export interface QueuedAppend {
  readonly item: AppendItem;
  readonly resolve: (id: string | null) => void;
  readonly reject: (error: unknown) => void;
}

/** A reader the engine closes with itself. */
export interface ClosableReader extends BlockingReader {
  destroy(): void;
}

/**
 * The operations that are the same on a standalone server and a cluster. Every
 * command goes through the shared, auto-pipelined client; subclasses add what
 * depends on topology (multi-key reads, batches, SCAN, readers).
 */
export abstract class BaseRedisEngine implements Engine, Fencing {
  abstract readonly kind: string;
  abstract readonly capabilities: EngineCapabilities;
  /** Whether {@link close} or {@link destroy} was called. */
  protected isClosed = false;
  #closing: Promise<void> | null = null;
  readonly #closed = new ClosedSignal();
  protected readonly readers = new Set<ClosableReader>();
  /** Maps any rejection to a typed error; bound once so that the hot path allocates no closure. */
  protected readonly fail = (error: unknown): never => {
    throw toStreamersonError(error, this.isClosed, undefined, this.client);
  };

  protected constructor(
    readonly url: string,
    protected readonly client: Client,
    /** Standalone and Sentinel with `replicas` > 0: what appends wait for. */
    protected readonly replicaWait?: ReplicaWait,
  ) {
    // Without a listener ioredis prints connection errors; commands report them instead.
    watchConnection(client, url);
    client.defineCommand(APPEND_IDEMPOTENT, { numberOfKeys: 2, lua: appendIdempotentScript() });
    fencing.defineFencingScripts(client);
  }

  /**
   * Whether one script may touch keys of any slot (a single server): then the
   * follow-ups of a fenced write run inside its script.
   */
  protected abstract readonly anySlotInScript: boolean;

  protected rejectClosed(): Promise<never> {
    return Promise.reject(new ClosedError('redis engine'));
  }

  protected call(command: string, args: Arg[]): Promise<unknown> {
    return this.client.call(command, args).catch(this.fail);
  }

  /**
   * Runs a command answering with Buffers. The `<command>Buffer` methods are
   * used because ioredis' `callBuffer` loses the command name when auto-pipelined.
   */
  protected buffer(command: BufferCommand, args: Arg[]): Promise<unknown> {
    return this.raw(command, args).catch(this.fail);
  }

  /** {@link buffer} without error mapping. */
  protected raw(command: BufferCommand, args: Arg[]): Promise<unknown> {
    return (this.client as unknown as Record<BufferCommand, (args: Arg[]) => Promise<unknown>>)[command](args);
  }

  /**
   * Appends made before the event loop's next check phase leave together (see
   * {@link APPEND_FLUSH_AT}), as prebuilt XADD requests; each settles on its
   * own result.
   */
  append(stream: string, fields: readonly FieldValue[], options?: AppendOptions): Promise<string | null> {
    if (this.isClosed) return this.rejectClosed();
    try {
      if (options !== undefined) xaddArgs(stream, fields, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queued.push({ item: options === undefined ? { stream, fields } : { ...options, stream, fields }, resolve, reject });
      if (this.queued.length === 1) setImmediate(this.flushQueued);
      else if (this.queued.length >= APPEND_FLUSH_AT) this.flushQueued();
    });
  }

  private queued: QueuedAppend[] = [];

  private readonly flushQueued = (): void => {
    const batch = this.queued;
    if (batch.length === 0) return; // sent already, at APPEND_FLUSH_AT
    this.queued = [];
    // Alone (the usual case of a request under light load): a command of its own.
    if (batch.length === 1) this.sendAppend(batch[0]!);
    else this.sendAppends(batch);
  };

  /** Sends one queued append as a command of its own; it settles from the command's result, once replicated when `replicas` > 0. */
  protected sendAppend({ item, resolve, reject }: QueuedAppend): void {
    const command = xaddCommand(item);
    this.client.sendCommand(command);
    afterReplicas(command.promise as Promise<string | null>, this.replicate()).then(resolve, (error: unknown) =>
      reject(toStreamersonError(error, this.isClosed, undefined, this.client)),
    );
  }

  /** With `replicas` > 0: a WAIT behind the writes just sent on the shared connection (see `waitForReplicas`). */
  protected replicate(): Promise<void> | undefined {
    return this.replicaWait === undefined ? undefined : waitForReplicas(this.client as Redis, this.replicaWait);
  }

  /**
   * Runs `send` with the sockets of the connections its commands go to corked:
   * what it sends leaves in one write per connection.
   */
  protected abstract writeTogether<T>(send: () => T): T;

  /**
   * Queued appends as commands of their own written together (see
   * {@link writeTogether}), each settled straight from its command's result;
   * with `replicas` > 0, as {@link appendEach} sends them, one WAIT behind the
   * whole batch.
   */
  protected sendAppends(batch: readonly QueuedAppend[]): void {
    if (this.replicaWait === undefined) {
      this.writeTogether(() => {
        for (const q of batch) this.sendAppend(q);
      });
      return;
    }
    const typed = (error: unknown): unknown => toStreamersonError(error, this.isClosed, undefined, this.client);
    this.appendEach(batch.map((q) => q.item)).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const [error, id] = results[i]!;
          if (error) batch[i]!.reject(typed(error));
          else batch[i]!.resolve(id);
        }
      },
      (error: unknown) => {
        for (const q of batch) q.reject(typed(error));
      },
    );
  }

  appendBatch(items: readonly AppendItem[]): Promise<(string | null)[]> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(items)) return Promise.reject(new InvalidOptionError('items', 'expected an array'));
    if (items.length === 0) return Promise.resolve([]);
    return this.appendEach(items).then((results) => {
      const ids: (string | null)[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const [error, id] = results[i]!;
        if (error) this.fail(error);
        ids[i] = id;
      }
      return ids;
    });
  }

  /** On a Cluster the appends and the acks live on different nodes: the acks go once every append succeeded. */
  async appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void> {
    await this.appendBatch(items);
    await Promise.all(acks.map((a) => this.ack(a.stream, group, a.ids)));
  }

  /**
   * The appends as commands of their own, written together (see
   * {@link writeTogether}: one write per connection, in input order, as a
   * pipeline makes, without building the pipeline and its result lists; on a
   * Cluster ioredis routes each to its slot's master and follows a moved slot);
   * per item the command's error or its id, in the order of `items`.
   */
  protected appendEach(items: readonly AppendItem[]): Promise<AppendResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    let replicated: Promise<void> | undefined;
    const stored = new Promise<AppendResult[]>((resolve) => {
      const results: AppendResult[] = new Array(items.length);
      let left = items.length;
      const settle = (i: number, result: AppendResult): void => {
        results[i] = result;
        if (--left === 0) resolve(results);
      };
      this.writeTogether(() => {
        for (let i = 0; i < items.length; i++) {
          const command = xaddCommand(items[i]!);
          this.client.sendCommand(command);
          (command.promise as Promise<string | null>).then(
            (id) => settle(i, [null, id]),
            (error: Error) => settle(i, [error, null]),
          );
        }
        replicated = this.replicate();
      });
    });
    if (replicated === undefined) return stored;
    const waited = replicated;
    // Not replicated in time: every append that was stored fails with the WAIT's error.
    return stored.then((results) =>
      waited.then(
        () => results,
        (error: Error) => results.map(([e, id]): AppendResult => (e === null ? [error, null] : [e, id])),
      ),
    );
  }

  async appendIdempotent(
    stream: string,
    fields: readonly FieldValue[],
    messageId: string,
    windowMs: number,
    options?: AppendOptions,
  ): Promise<IdempotentAppendResult> {
    if (this.isClosed) return this.rejectClosed();
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new InvalidOptionError('windowMs', `expected an integer >= 1, got ${String(windowMs)}`);
    const args = xaddArgs(stream, fields, options);
    args[0] = windowMs;
    const run = (this.client as unknown as Record<string, IdempotentCommand>)[APPEND_IDEMPOTENT]!;
    const [id, duplicate] = await afterReplicas(run.call(this.client, stream, auxKey(stream, `dedupe:${messageId}`), ...args), this.replicate()).catch(
      this.fail,
    );
    if (id === '') throw new EngineError('ERR_STREAMERSON_ENGINE', `stream "${stream}" does not exist (noMkStream)`);
    return { id, duplicate: duplicate === 1 };
  }

  abstract read(positions: readonly ReadPosition[], options?: Omit<ReadOptions, 'blockMs'>): Promise<StreamEntries[]>;
  abstract readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: Omit<GroupReadOptions, 'blockMs'>,
  ): Promise<StreamEntries[]>;
  abstract openReader(): BlockingReader;
  abstract deleteStreams(streams: readonly string[]): Promise<number>;
  abstract listStreams(prefix: string, limit?: number): Promise<string[]>;

  /** Non-blocking XREAD of positions that share one slot. */
  protected readOne(positions: readonly ReadPosition[], options: Omit<ReadOptions, 'blockMs'> | undefined): Promise<StreamEntries[]> {
    return this.buffer('xreadBuffer', xreadArgs(positions, options)).then(toStreamEntries);
  }

  /** Non-blocking XREADGROUP of positions that share one slot. */
  protected readGroupOne(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options: Omit<GroupReadOptions, 'blockMs'> | undefined,
  ): Promise<StreamEntries[]> {
    return this.buffer('xreadgroupBuffer', xreadgroupArgs(group, consumer, positions, options)).then(toStreamEntries);
  }

  /** Checks the arguments every read shares; cheap, on the hot path. */
  protected checkRead(positions: readonly unknown[], options: ReadOptions | undefined): void {
    if (this.isClosed) throw new ClosedError('redis engine');
    if (!Array.isArray(positions) || positions.length === 0) throw new InvalidOptionError('positions', 'expected a non-empty array');
    if (options?.blockMs !== undefined) throw new InvalidOptionError('blockMs', 'blocking reads need openReader()');
  }

  async range(stream: string, start: string, end: string, count?: number): Promise<RawEntry[]> {
    if (this.isClosed) return this.rejectClosed();
    const args: Arg[] = [stream, start, end];
    if (count !== undefined) args.push('COUNT', count);
    return toEntries(await this.buffer('xrangeBuffer', args));
  }

  async revRange(stream: string, end: string, start: string, count?: number): Promise<RawEntry[]> {
    if (this.isClosed) return this.rejectClosed();
    const args: Arg[] = [stream, end, start];
    if (count !== undefined) args.push('COUNT', count);
    return toEntries(await this.buffer('xrevrangeBuffer', args));
  }

  async idempotentId(stream: string, messageId: string): Promise<string | null> {
    if (this.isClosed) return this.rejectClosed();
    if (typeof messageId !== 'string' || messageId === '') throw new InvalidOptionError('messageId', 'expected a non-empty string');
    const id = await this.client.get(auxKey(stream, `dedupe:${messageId}`)).catch(this.fail);
    return id ?? null;
  }

  async lastId(stream: string): Promise<string> {
    if (this.isClosed) return this.rejectClosed();
    try {
      return lastGeneratedId(await this.raw('xinfoBuffer', ['STREAM', stream]));
    } catch (error) {
      if (isNoSuchKey(error)) return '0-0';
      return this.fail(error);
    }
  }

  async createGroup(stream: string, group: string, start: GroupStart = '$'): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    try {
      await this.client.call('xgroup', ['CREATE', stream, group, start, 'MKSTREAM']);
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return false;
      return this.fail(error);
    }
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    try {
      return (await this.client.call('xgroup', ['DESTROY', stream, group])) === 1;
    } catch (error) {
      // Redis refuses XGROUP on a missing key; there is no group to destroy then.
      if (error instanceof Error && error.message.includes('requires the key to exist')) return false;
      return this.fail(error);
    }
  }

  async setGroupId(stream: string, group: string, id: string): Promise<void> {
    if (this.isClosed) return this.rejectClosed();
    try {
      await this.client.call('xgroup', ['SETID', stream, group, id]);
    } catch (error) {
      if (error instanceof Error && error.message.includes('requires the key to exist')) {
        throw new EngineError('ERR_STREAMERSON_NO_GROUP', `no consumer group "${group}" on stream "${stream}"`, { cause: error });
      }
      this.fail(error);
    }
  }

  ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(ids) || ids.length === 0) return Promise.reject(new InvalidOptionError('ids', 'expected a non-empty array'));
    return (this.client.sendCommand(xackCommand(stream, group, ids)) as Promise<number>).catch(this.fail);
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    if (this.isClosed) return this.rejectClosed();
    return toPendingSummary(await this.buffer('xpendingBuffer', [stream, group]));
  }

  async pendingRange(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntry[]> {
    if (this.isClosed) return this.rejectClosed();
    if (options === null || typeof options !== 'object' || !Number.isInteger(options.count) || options.count < 0) {
      throw new InvalidOptionError('count', 'expected an integer >= 0');
    }
    const args: Arg[] = [stream, group];
    if (options.minIdleMs !== undefined) args.push('IDLE', options.minIdleMs);
    args.push(options.start ?? '-', options.end ?? '+', options.count);
    if (options.consumer !== undefined) args.push(options.consumer);
    return toPendingEntries(await this.buffer('xpendingBuffer', args));
  }

  async claim(stream: string, group: string, consumer: string, ids: readonly string[], options: ClaimOptions): Promise<RawEntry[]> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(ids) || ids.length === 0) throw new InvalidOptionError('ids', 'expected a non-empty array');
    const args: Arg[] = [stream, group, consumer, options.minIdleMs, ...ids];
    if (options.justId !== true) return toEntries(await this.buffer('xclaimBuffer', args));
    // JUSTID keeps the delivery count but answers ids only; fetch the entries in the same round trip.
    args.push('JUSTID');
    const claimed = toIds(await this.buffer('xclaimBuffer', args));
    const entries = await Promise.all(claimed.map((id) => this.buffer('xrangeBuffer', [stream, id, id]).then(toEntries)));
    return entries.flat();
  }

  async autoClaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<AutoClaimResult> {
    if (this.isClosed) return this.rejectClosed();
    const reply = (await this.buffer('xautoclaimBuffer', [stream, group, consumer, minIdleMs, start, 'COUNT', count])) as [Buffer, unknown, unknown];
    return { next: reply[0].toString(), entries: toEntries(reply[1]), deletedIds: toIds(reply[2]) };
  }

  async deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    return (await this.call('xgroup', ['DELCONSUMER', stream, group, consumer])) as number;
  }

  /**
   * XTRIM with `~` stops after 100 nodes' worth of entries (10,000 with
   * Redis' defaults) unless given a LIMIT, so without `limit` an approximate
   * trim is repeated until a call removes nothing: the whole bound is applied,
   * while no one call holds the server longer than Redis' own default.
   */
  async trim(stream: string, retention: Retention): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    const args: Arg[] = [stream];
    pushRetention(args, retention);
    let removed = (await this.call('xtrim', args)) as number;
    if (retention.approximate === false || retention.limit !== undefined) return removed;
    for (let n = removed, calls = 1; n > 0 && calls < MAX_TRIM_CALLS; calls++) {
      n = (await this.call('xtrim', args)) as number;
      removed += n;
    }
    return removed;
  }

  async expire(stream: string, ttlMs: number): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new InvalidOptionError('ttlMs', `expected an integer >= 1, got ${String(ttlMs)}`);
    return ((await this.call('pexpire', [stream, ttlMs])) as number) === 1;
  }

  async deleteEntries(stream: string, ids: readonly string[]): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(ids) || ids.length === 0) return 0;
    return (await this.call('xdel', [stream, ...ids])) as number;
  }

  async info(stream: string): Promise<StreamInfo | null> {
    if (this.isClosed) return this.rejectClosed();
    // Both replies arrive in one round trip thanks to auto-pipelining.
    const [streamReply, groupsReply] = await Promise.allSettled([this.raw('xinfoBuffer', ['STREAM', stream]), this.raw('xinfoBuffer', ['GROUPS', stream])]);
    if (streamReply.status === 'rejected') {
      if (isNoSuchKey(streamReply.reason)) return null;
      return this.fail(streamReply.reason);
    }
    if (groupsReply.status === 'rejected') {
      if (isNoSuchKey(groupsReply.reason)) return null;
      return this.fail(groupsReply.reason);
    }
    const groups = toGroups(groupsReply.value);
    const consumers = await Promise.all(
      groups.map((g) =>
        this.raw('xinfoBuffer', ['CONSUMERS', stream, g.name]).catch((error: unknown) => {
          // The group went away between the two round trips.
          if (error instanceof Error && error.message.startsWith('NOGROUP')) return [];
          return this.fail(error);
        }),
      ),
    );
    return toStreamInfo(stream, streamReply.value, groups, consumers);
  }

  async length(stream: string): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    return (await this.call('xlen', [stream])) as number;
  }

  acquireLease(lease: string, owner: string, ttlMs: number): Promise<LeaseGrant> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.acquireLease(this.client, lease, owner, ttlMs).catch(this.fail);
  }

  renewLease(lease: string, owner: string, epoch: number, ttlMs: number): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.renewLease(this.client, lease, owner, epoch, ttlMs).catch(this.fail);
  }

  releaseLease(lease: string, owner: string, epoch: number): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.releaseLease(this.client, lease, owner, epoch).catch(this.fail);
  }

  leaseState(lease: string): Promise<LeaseState> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.leaseState(this.client, lease).catch(this.fail);
  }

  /** In the script on a standalone server; appended after it on a Cluster. */
  get followUpsAtomic(): boolean {
    return this.anySlotInScript;
  }

  /** One script; on a Cluster the follow-ups are appended once it succeeded. */
  async fencedWrite(write: FencedWrite): Promise<FencedWriteResult> {
    if (this.isClosed) return this.rejectClosed();
    const call = fencing.fencedScriptCall(write, this.anySlotInScript);
    const result = await fencing.runFencedWrite(this.client, write, call).catch(this.fail);
    const followUps = write.followUps ?? [];
    if (this.anySlotInScript || followUps.length === 0) return result;
    const made = await this.appendEach(followUps).catch((error: unknown) => followUps.map((): AppendResult => [error as Error, null]));
    const failed = made.find(([error]) => error !== null)?.[0];
    return failed == null ? result : { ...result, followUpError: toStreamersonError(failed, this.isClosed) };
  }

  hashGet(key: string, fields: readonly string[]): Promise<(Buffer | null)[]> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.hashGet(this.client, key, fields).catch(this.fail);
  }

  hashScan(key: string, cursor: string, count: number): Promise<HashScanPage> {
    if (this.isClosed) return this.rejectClosed();
    return fencing.hashScan(this.client, key, cursor, count).catch(this.fail);
  }

  async hashLength(key: string): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    return (await this.call('hlen', [key])) as number;
  }

  async hashDelete(key: string): Promise<boolean> {
    if (this.isClosed) return this.rejectClosed();
    return ((await this.call('del', [key])) as number) === 1;
  }

  protected registerReader<R extends ClosableReader>(reader: R): R {
    this.readers.add(reader);
    return reader;
  }

  /** Called by a reader when it closes. */
  readerClosed(reader: ClosableReader): void {
    this.readers.delete(reader);
  }

  /** Settles once the engine is closed (see {@link Lifecycle.closed}). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /** Resolves once the server answers a PING (through reconnects, within `maxRetriesPerRequest`). */
  async start(): Promise<void> {
    if (this.isClosed) return this.rejectClosed();
    await this.call('ping', []);
  }

  stats(): EngineStats {
    return { readers: this.readers.size, connected: this.client.status === 'ready' };
  }

  /** Finishes the commands under way (their replies still arrive), then closes. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.quit().finally(() => this.#closed.settle());
    return this.#closing;
  }

  /** The same as {@link close}: an engine takes no work of its own. */
  drain(): Promise<void> {
    return this.close();
  }

  private async quit(): Promise<void> {
    this.isClosed = true;
    const readers = [...this.readers];
    this.readers.clear();
    await Promise.all(readers.map((r) => r.close()));
    // Auto-pipelined commands leave on the next setImmediate; QUIT must queue behind them.
    await new Promise((resolve) => setImmediate(resolve));
    // QUIT queues behind every command under way, so their replies still arrive.
    if (this.client.status === 'ready' || this.client.status === 'connect' || this.client.status === 'connecting') {
      try {
        await this.client.quit();
      } catch {
        // Falls through to a hard disconnect.
      }
    }
    // Also after QUIT: only disconnect() releases what the connector holds (a Sentinel client's failover watch).
    this.client.disconnect();
  }

  /** Closes now: commands under way reject with `ERR_STREAMERSON_CLOSED`; {@link closed} resolves with `error`. Idempotent. */
  destroy(error?: Error): void {
    this.isClosed = true;
    for (const r of this.readers) r.destroy();
    this.readers.clear();
    this.client.disconnect();
    this.#closing ??= Promise.resolve();
    this.#closed.settle(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }
}
