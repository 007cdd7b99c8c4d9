import type { Cluster, Redis } from 'ioredis';
import {
  ClosedError,
  compareStreamIds,
  isStreamId,
  StreamersonError,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import type { ClosableReader } from './base-engine.js';
import { settlesWithin } from '@streamerson/core/internal';
import { CloseLatch } from './close-latch.js';
import { xreadArgs, xreadgroupArgs, type Arg } from './commands.js';
import { toStreamersonError, watchConnection } from './errors.js';
import { checkPositions, UNBLOCK_WAIT_MS, type ReaderHost } from './reader.js';
import { toStreamEntries } from './replies.js';
import { unblockRead } from './interrupt.js';
import { groupBySlot } from './slots.js';

/** What a read was: plain (`''`), or for a group and consumer. Stashed results only go back to a read of the same kind. */
type ReadKind = string;

/** One blocking command on one slot, possibly outliving the call that started it. */
interface SlotRead {
  readonly slot: number;
  readonly kind: ReadKind;
  readonly connection: Cluster;
  /** The node's address (`host:port`) and the id of the connection to it that runs the command, when known. */
  readonly blocked: Promise<{ readonly node: string; readonly clientId: number } | undefined>;
  readonly done: Promise<void>;
  settled: boolean;
  result: StreamEntries[];
  error: unknown;
}

/** What a cluster reader needs from its engine. */
export interface ClusterReaderHost extends ReaderHost<Cluster> {
  /** Ends the blocking command of connection `clientId` on node `node` (`host:port`) as if it had timed out (`CLIENT UNBLOCK`). */
  unblock(node: string, clientId: number): Promise<unknown>;
}

/** `host:port` of a node client, as `Cluster.slots` names nodes. */
export function nodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** Entries of one stream that a finished read brought back and no call has taken yet. */
interface Stashed {
  readonly kind: ReadKind;
  readonly stream: string;
  readonly entries: StreamEntries['entries'];
}

/** The entries of a plain read's stashed result still after `after` (`5` stands for `5-0`, as in Redis); special positions keep all. */
function entriesAfter(entries: StreamEntries['entries'], after: string): StreamEntries['entries'] {
  const id = after.includes('-') ? after : `${after}-0`;
  if (!isStreamId(id)) return entries;
  return entries.filter((e) => compareStreamIds(e.id, id) > 0);
}

/**
 * A blocking reader on a Redis Cluster. Streams in different hash slots cannot
 * share one XREAD, so a read over several slots runs one blocking command per
 * slot, each on its own connection, in parallel, and returns as soon as one has
 * entries. The others keep running; what they bring back is stashed and
 * returned by the next call that asks for it before any new command, so that
 * nothing a group delivered is lost:
 *
 * - a group read's entries go only to a read of the same group and consumer
 *   over the same stream, whenever it comes; they wait in the stash until then
 *   (at most {@link ClusterReader.maxStashed} results: past it, reads of other
 *   groups or consumers are refused with `ERR_STREAMERSON_OVERLOAD`, naming the
 *   cause). Entries still stashed when the reader closes stay pending for their
 *   consumer in Redis, which re-reads them at its next start (or another member
 *   claims them);
 * - a plain read's entries go to the next plain read of their stream, less
 *   those at or before its position (already seen); nothing is lost by
 *   dropping them otherwise, as a plain read consumes nothing.
 */
export class ClusterReader implements ClosableReader {
  private readonly idle: Cluster[] = [];
  private readonly connections = new Set<Cluster>();
  private readonly reads = new Map<number, SlotRead>();
  /** Group-read entries not handed out yet; plain-read ones only live through one collect. */
  private stash: Stashed[] = [];
  private closed = false;
  /** Ends a wait whose command a connection still connecting never settles. */
  private readonly latch = new CloseLatch();

  /** Connection ids per node client, asked once per node client before its first blocking command. */
  private readonly clientIds = new WeakMap<Redis, Promise<number | undefined>>();

  constructor(
    private readonly host: ClusterReaderHost,
    private readonly maxConnections: number,
  ) {}

  /** Most group-read results kept for other groups or consumers than the one reading. */
  get maxStashed(): number {
    return this.maxConnections;
  }

  read(positions: readonly ReadPosition[], options?: ReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run('', 'xread', positions, (p) => xreadArgs(p, options));
  }

  readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options?: GroupReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    // Group and consumer names cannot hold NUL in practice; it only separates them here.
    const kind = `${group}\0${consumer}`;
    return this.run(kind, 'xreadgroup', positions, (p) => xreadgroupArgs(group, consumer, p, options));
  }

  private async run<P extends { readonly stream: string; readonly after: string }>(
    kind: ReadKind,
    command: string,
    positions: readonly P[],
    argsOf: (positions: readonly P[]) => Arg[],
  ): Promise<StreamEntries[]> {
    const stashed = this.collect(kind, positions);
    if (stashed.length > 0) return stashed;
    const held = this.stash.filter((s) => s.kind !== kind && s.kind !== '').length;
    if (held >= this.maxStashed) {
      throw new StreamersonError(
        'ERR_STREAMERSON_OVERLOAD',
        `a cluster reader holds ${held} results of reads for other groups or consumers; read them, or use a reader per consumer`,
      );
    }

    const waiting: SlotRead[] = [];
    for (const [slot, group] of groupBySlot(positions, (p) => p.stream)) {
      const running = this.reads.get(slot);
      if (running !== undefined) {
        // At most one command per slot: wait for the one under way instead of stacking another.
        waiting.push(running);
        continue;
      }
      waiting.push(this.start(slot, kind, command, argsOf(group)));
    }
    while (!this.closed && waiting.some((r) => !r.settled) && !waiting.some((r) => r.settled && (r.error !== undefined || r.result.length > 0))) {
      await this.latch.race(Promise.race(waiting.filter((r) => !r.settled).map((r) => r.done)), undefined);
    }
    if (this.closed) return [];
    return this.collect(kind, positions);
  }

  /** Starts a blocking command on a connection of its own. */
  private start(slot: number, kind: ReadKind, command: string, args: Arg[]): SlotRead {
    if (this.reads.size >= this.maxConnections) {
      throw new StreamersonError(
        'ERR_STREAMERSON_OVERLOAD',
        `a cluster reader blocks on at most ${this.maxConnections} hash slots at once (option maxReaderConnections)`,
      );
    }
    const connection = this.idle.pop() ?? this.open();
    const blocked = this.identify(connection, slot);
    const read: SlotRead = {
      slot,
      kind,
      connection,
      blocked,
      settled: false,
      result: [],
      error: undefined,
      done: blocked
        .then(() => connection.callBuffer(command, args))
        .then(
          (reply) => {
            read.result = toStreamEntries(reply);
            read.settled = true;
          },
          (error: unknown) => {
            if (!this.closed) read.error = toStreamersonError(error, false, 'redis reader', connection);
            read.settled = true;
          },
        ),
    };
    this.reads.set(slot, read);
    return read;
  }

  /**
   * The node that serves `slot` on `connection` and the id of the connection to
   * it (`CLIENT ID`, asked on that connection before its first blocking
   * command). Undefined while the cluster's slots are not known yet or when
   * the server refuses: close then only disconnects.
   */
  private async identify(connection: Cluster, slot: number): Promise<{ node: string; clientId: number } | undefined> {
    // A connection on its way up learns the slots when it is ready (or gives up: 'end').
    if (connection.slots[slot]?.[0] === undefined && (connection.status === 'connecting' || connection.status === 'connect')) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          connection.off('ready', done);
          connection.off('end', done);
          resolve();
        };
        connection.once('ready', done);
        connection.once('end', done);
      });
    }
    const key = connection.slots[slot]?.[0];
    const node = key === undefined ? undefined : connection.nodes('master').find((n) => nodeKey(n) === key);
    if (key === undefined || node === undefined) return undefined;
    let clientId = this.clientIds.get(node);
    if (clientId === undefined) {
      clientId = node.call('client', 'id').then(
        (id) => Number(id),
        () => undefined,
      );
      this.clientIds.set(node, clientId);
      // A new connection after a reconnect has a new id.
      node.once('reconnecting', () => this.clientIds.delete(node));
    }
    const id = await clientId;
    return id === undefined ? undefined : { node: key, clientId: id };
  }

  private open(): Cluster {
    const connection = this.host.duplicate();
    watchConnection(connection, this.host.url);
    this.connections.add(connection);
    return connection;
  }

  /**
   * Takes every finished read off the books into the stash, and returns what
   * of the stash is due to this call (see the class comment); throws the first
   * error of a finished read when nothing is due.
   */
  private collect<P extends { readonly stream: string; readonly after: string }>(kind: ReadKind, positions: readonly P[]): StreamEntries[] {
    let failure: unknown;
    for (const read of this.reads.values()) {
      if (!read.settled) continue;
      this.reads.delete(read.slot);
      this.idle.push(read.connection);
      if (read.error !== undefined) failure ??= read.error;
      else for (const s of read.result) this.stash.push({ kind: read.kind, stream: s.stream, entries: s.entries });
    }
    if (this.stash.length === 0) {
      if (failure !== undefined) throw failure;
      return [];
    }
    const out: StreamEntries[] = [];
    const kept: Stashed[] = [];
    for (const s of this.stash) {
      const position = s.kind === kind ? positions.find((p) => p.stream === s.stream) : undefined;
      if (position === undefined) {
        // Plain reads consume nothing: a result nobody asks for now can be read again.
        if (s.kind !== '') kept.push(s);
        continue;
      }
      const entries = kind === '' ? entriesAfter(s.entries, position.after) : s.entries;
      if (entries.length > 0) out.push({ stream: s.stream, entries });
    }
    this.stash = kept;
    if (out.length === 0 && failure !== undefined) throw failure;
    return out;
  }

  /**
   * Ends the blocked commands under way as their block time would
   * (`CLIENT UNBLOCK` on their nodes); the reader and its connections stay open.
   */
  interrupt(): void {
    if (this.closed) return;
    for (const read of this.reads.values()) {
      if (read.settled) continue;
      void read.blocked.then((blocked) => {
        if (blocked !== undefined) return unblockRead(read.done, () => this.host.unblock(blocked.node, blocked.clientId));
        return undefined;
      });
    }
  }

  /**
   * Ends blocked commands with `CLIENT UNBLOCK` on their nodes, as a timeout
   * would, and waits (at most {@link UNBLOCK_WAIT_MS}) for them: entries Redis
   * handed to a group read at that instant go back to the caller instead of
   * staying pending on a dropped connection. Then disconnects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const inFlight = [...this.reads.values()].filter((r) => !r.settled);
    if (inFlight.length > 0) {
      const unblocked = Promise.all(
        inFlight.map(async (r) => {
          const blocked = await r.blocked;
          if (blocked === undefined) return;
          await this.host.unblock(blocked.node, blocked.clientId).catch(() => undefined);
          await r.done;
        }),
      );
      await settlesWithin(unblocked, UNBLOCK_WAIT_MS);
    }
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.latch.close();
    this.host.readerClosed(this);
    for (const c of this.connections) c.disconnect();
    this.connections.clear();
    this.idle.length = 0;
    this.reads.clear();
  }
}
