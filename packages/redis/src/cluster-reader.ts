import type { Cluster } from 'ioredis';
import {
  ClosedError,
  StreamersonError,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import type { ClosableReader } from './base-engine.js';
import { CloseLatch } from './close-latch.js';
import { xreadArgs, xreadgroupArgs, type Arg } from './commands.js';
import { toStreamersonError } from './errors.js';
import { checkPositions, type ReaderHost } from './reader.js';
import { toStreamEntries } from './replies.js';
import { groupBySlot } from './slots.js';

/** What a read was: plain, or for a group and consumer. Stashed results only go back to a read of the same kind. */
type ReadKind = string;

/** One blocking command on one slot, possibly outliving the call that started it. */
interface SlotRead {
  readonly slot: number;
  readonly kind: ReadKind;
  readonly call: number;
  readonly connection: Cluster;
  readonly done: Promise<void>;
  settled: boolean;
  result: StreamEntries[];
  error: unknown;
}

/** Compares two entry ids numerically (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = BigInt(da === -1 ? a : a.slice(0, da));
  const mb = BigInt(db === -1 ? b : b.slice(0, db));
  if (ma !== mb) return ma < mb ? -1 : 1;
  const sa = da === -1 ? 0n : BigInt(a.slice(da + 1));
  const sb = db === -1 ? 0n : BigInt(b.slice(db + 1));
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

const SPECIAL_AFTER = new Set(['$', '>', '+']);

/**
 * A blocking reader on a Redis Cluster. Streams in different hash slots cannot
 * share one XREAD, so a read over several slots runs one blocking command per
 * slot, each on its own connection, in parallel, and returns as soon as one has
 * entries. The others keep running; what they bring back is stashed (at most
 * one read per slot) and returned by the next call before any new command,
 * so that nothing a group delivered is lost. Stashed plain-read entries at or
 * before the next call's position are dropped as already seen; stashed results
 * of another kind of read (another group or consumer) are dropped, which for a
 * group leaves them pending, to be reclaimed.
 */
export class ClusterReader implements ClosableReader {
  private readonly idle: Cluster[] = [];
  private readonly connections = new Set<Cluster>();
  private readonly reads = new Map<number, SlotRead>();
  private calls = 0;
  private closed = false;
  /** Ends a wait whose command a connection still connecting never settles. */
  private readonly latch = new CloseLatch();

  constructor(
    private readonly host: ReaderHost<Cluster>,
    private readonly maxConnections: number,
  ) {}

  read(positions: readonly ReadPosition[], options?: ReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run('', 'xread', positions, (p) => xreadArgs(p, options));
  }

  readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: GroupReadOptions,
  ): Promise<StreamEntries[]> {
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
    const call = ++this.calls;
    const stashed = this.collect(kind, call, positions);
    if (stashed.length > 0) return stashed;

    const waiting: SlotRead[] = [];
    for (const [slot, group] of groupBySlot(positions, (p) => p.stream)) {
      const running = this.reads.get(slot);
      if (running !== undefined) {
        // At most one command per slot: wait for the one under way instead of stacking another.
        waiting.push(running);
        continue;
      }
      waiting.push(this.start(slot, kind, call, command, argsOf(group)));
    }
    while (!this.closed && waiting.some((r) => !r.settled) && !waiting.some((r) => r.settled && (r.error !== undefined || r.result.length > 0))) {
      await this.latch.race(Promise.race(waiting.filter((r) => !r.settled).map((r) => r.done)), undefined);
    }
    if (this.closed) return [];
    return this.collect(kind, call, positions);
  }

  /** Starts a blocking command on a connection of its own. */
  private start(slot: number, kind: ReadKind, call: number, command: string, args: Arg[]): SlotRead {
    if (this.reads.size >= this.maxConnections) {
      throw new StreamersonError(
        'ERR_STREAMERSON_OVERLOAD',
        `a cluster reader blocks on at most ${this.maxConnections} hash slots at once (option maxReaderConnections)`,
      );
    }
    const connection = this.idle.pop() ?? this.open();
    const read: SlotRead = {
      slot,
      kind,
      call,
      connection,
      settled: false,
      result: [],
      error: undefined,
      done: connection.callBuffer(command, args).then(
        (reply) => {
          read.result = toStreamEntries(reply);
          read.settled = true;
        },
        (error: unknown) => {
          if (!this.closed) read.error = toStreamersonError(error, false, 'redis reader');
          read.settled = true;
        },
      ),
    };
    this.reads.set(slot, read);
    return read;
  }

  private open(): Cluster {
    const connection = this.host.duplicate();
    connection.on('error', () => {});
    this.connections.add(connection);
    return connection;
  }

  /**
   * Takes every finished read off the books and returns what is due to this
   * call; throws the first error of a finished read when nothing else is due.
   */
  private collect<P extends { readonly stream: string; readonly after: string }>(
    kind: ReadKind,
    call: number,
    positions: readonly P[],
  ): StreamEntries[] {
    if (this.reads.size === 0) return [];
    const out: StreamEntries[] = [];
    let failure: unknown;
    for (const read of this.reads.values()) {
      if (!read.settled) continue;
      this.reads.delete(read.slot);
      this.idle.push(read.connection);
      if (read.error !== undefined) {
        failure ??= read.error;
        continue;
      }
      if (read.kind !== kind) continue;
      if (read.call === call) {
        out.push(...read.result);
        continue;
      }
      for (const s of read.result) {
        const position = positions.find((p) => p.stream === s.stream);
        if (position === undefined) {
          if (kind !== '') out.push(s);
          continue;
        }
        if (kind !== '' || SPECIAL_AFTER.has(position.after)) {
          out.push(s);
          continue;
        }
        const entries = s.entries.filter((e) => compareIds(e.id, position.after) > 0);
        if (entries.length > 0) out.push({ stream: s.stream, entries });
      }
    }
    if (out.length === 0 && failure !== undefined) throw failure;
    return out;
  }

  async close(): Promise<void> {
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
