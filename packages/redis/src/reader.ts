import type { Redis } from 'ioredis';
import {
  ClosedError,
  InvalidOptionError,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
  type WritesBeforeRead,
} from '@streamerson/core';
import type { ClosableReader } from './base-engine.js';
import { settlesWithin } from '@streamerson/core/internal';
import { CloseLatch } from './close-latch.js';
import { afterReplicas } from './replication.js';
import { unblockRead } from './interrupt.js';
import { corked, sendAppendAndAck } from './transaction.js';
import { xreadArgs, xreadgroupArgs, type Arg } from './commands.js';
import { toStreamersonError, watchConnection } from './errors.js';
import { toStreamEntries } from './replies.js';

/** What a reader needs from its engine. */
export interface ReaderHost<C> {
  /** The engine's URL (password redacted): the address a failure of the reader's connection names. */
  readonly url: string;
  /** Opens a new connection like the engine's, for blocking commands only. */
  duplicate(): C;
  readerClosed(reader: ClosableReader): void;
}

/** What a standalone reader needs from its engine besides {@link ReaderHost}. */
export interface StandaloneReaderHost extends ReaderHost<Redis> {
  /** Ends the blocking command of connection `clientId` as if it had timed out (`CLIENT UNBLOCK`). */
  unblock(clientId: number): Promise<unknown>;
  /** With `replicas` > 0: a WAIT behind the writes just sent on `connection` (see `waitForReplicas`). */
  replicate?(connection: Redis): Promise<void>;
}

/** What a wait ends with when the reader closes first (the error is made only then: its stack costs). */
const CLOSED = Symbol('closed');

/** Longest wait on close for a blocked read to end by `CLIENT UNBLOCK` before the connection is dropped. */
export const UNBLOCK_WAIT_MS = 1_000;

/** Checks the arguments of a read; throws {@link InvalidOptionError}. */
export function checkPositions(positions: readonly unknown[]): void {
  if (!Array.isArray(positions) || positions.length === 0) throw new InvalidOptionError('positions', 'expected a non-empty array');
}

/**
 * A blocking reader on a standalone server: one dedicated connection, opened
 * on the first read. Reads run one at a time on it (a second read waits for
 * the first). Closing first ends a blocked read with `CLIENT UNBLOCK`, as a
 * timeout would, so that entries Redis has already handed to a group read
 * come back to the caller instead of sitting in the group's pending list on
 * a dropped connection; then it disconnects. `destroy()` only disconnects: a
 * blocked read resolves `[]` at once.
 */
export class RedisReader implements ClosableReader {
  private connection: Redis | undefined;
  private closed = false;
  /** Ends a read whose command ioredis never settles (queued while reconnecting). */
  private readonly latch = new CloseLatch();
  /** Server-side id of the connection (`CLIENT ID`), asked once per connection before its first read. */
  private clientId: number | undefined;
  private identified = false;
  /** The read under way, if any. */
  private reading: Promise<unknown> | undefined;

  constructor(private readonly host: StandaloneReaderHost) {}

  read(positions: readonly ReadPosition[], options?: ReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run('xread', xreadArgs(positions, options));
  }

  readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options?: GroupReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run('xreadgroup', xreadgroupArgs(group, consumer, positions, options));
  }

  /**
   * The transaction of `writes` (MULTI … EXEC), then the group read, on this
   * reader's connection: the replies and acks of the entries just run travel
   * with the request for the next ones, as one round trip and one corked
   * write, for a lone entry as for a batch (one request at a time, a write of
   * its own for a lone entry's transaction cost the worker 6–17 µs and
   * redis-server 6–13 µs more CPU per message, and its requester 8–12 µs of
   * p50; see docs/BENCHMARKS.md).
   */
  readGroupAfter(
    writes: WritesBeforeRead,
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: GroupReadOptions,
  ): Promise<StreamEntries[]> {
    let args: Arg[];
    try {
      if (this.closed) throw new ClosedError('redis reader');
      checkPositions(positions);
      args = xreadgroupArgs(group, consumer, positions, options);
    } catch (error) {
      writes.settled(error);
      return Promise.reject(error);
    }
    // The writes' outcome, or ERR_STREAMERSON_CLOSED if the reader closes first:
    // a connection waiting to reconnect may never send them.
    let outcome!: (error: unknown) => void;
    const written = new Promise<unknown>((resolve) => {
      outcome = resolve;
    });
    void this.latch.race(written, CLOSED).then((error) => writes.settled(error === CLOSED ? new ClosedError('redis reader') : error));
    return this.run('xreadgroup', args, (connection) => {
      const send = (): Promise<Error | undefined> =>
        afterReplicas(sendAppendAndAck(connection, writes.appends, group, writes.acks), this.host.replicate?.(connection));
      const [done, read] = corked(connection, () => [send(), connection.callBuffer('xreadgroup', args)] as const);
      done.then(
        (failed) => outcome(failed === undefined ? undefined : toStreamersonError(failed, false, 'redis reader', connection)),
        (error: unknown) => outcome(toStreamersonError(error, this.closed, 'redis reader', connection)),
      );
      return read;
    });
  }

  /** Sends a read (`send`, by default the command alone) on the reader's connection, the connection's id learnt first. */
  private run(command: string, args: Arg[], send = (connection: Redis): Promise<unknown> => connection.callBuffer(command, args)): Promise<StreamEntries[]> {
    const connection = this.connect();
    const sent = this.identified ? send(connection) : this.identify(connection).then(() => send(connection));
    const read = sent.then(toStreamEntries, (error: unknown) => {
      if (this.closed) return [];
      throw toStreamersonError(error, false, 'redis reader', connection);
    });
    this.reading = read;
    const settled = (): void => {
      if (this.reading === read) this.reading = undefined;
    };
    read.then(settled, settled);
    return this.latch.race(read, []);
  }

  private connect(): Redis {
    if (this.connection !== undefined) return this.connection;
    const connection = this.host.duplicate();
    watchConnection(connection, this.host.url);
    // A new connection after a reconnect has a new id.
    connection.on('reconnecting', () => {
      this.clientId = undefined;
      this.identified = false;
    });
    this.connection = connection;
    return connection;
  }

  /** Learns the connection's id; without it (a server that refuses CLIENT ID), close only disconnects. */
  private async identify(connection: Redis): Promise<void> {
    this.identified = true;
    try {
      this.clientId = Number(await connection.call('client', 'id'));
    } catch {
      this.clientId = undefined;
    }
  }

  /**
   * Ends the read under way as its block time would (`CLIENT UNBLOCK` on the
   * engine's connection); the reader stays open, on the same connection.
   */
  interrupt(): void {
    const reading = this.reading;
    if (this.closed || reading === undefined) return;
    void unblockRead(reading, () => (this.clientId === undefined ? undefined : this.host.unblock(this.clientId)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const reading = this.reading;
    const clientId = this.clientId;
    if (reading !== undefined && clientId !== undefined) {
      await settlesWithin(
        this.host.unblock(clientId).then(() => reading),
        UNBLOCK_WAIT_MS,
      );
    }
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.latch.close();
    this.host.readerClosed(this);
    this.connection?.disconnect();
  }
}
