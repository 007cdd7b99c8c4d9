import type { Redis } from 'ioredis';
import {
  ClosedError,
  InvalidOptionError,
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
import { toStreamEntries } from './replies.js';

/** What a reader needs from its engine. */
export interface ReaderHost<C> {
  /** Opens a new connection like the engine's, for blocking commands only. */
  duplicate(): C;
  readerClosed(reader: ClosableReader): void;
}

/** Checks the arguments of a read; throws {@link InvalidOptionError}. */
export function checkPositions(positions: readonly unknown[]): void {
  if (!Array.isArray(positions) || positions.length === 0) throw new InvalidOptionError('positions', 'expected a non-empty array');
}

/**
 * A blocking reader on a standalone server: one dedicated connection, opened
 * on the first read. Reads run one at a time on it (a second read waits for
 * the first). Closing disconnects it, so that a blocked read resolves `[]` at once.
 */
export class RedisReader implements ClosableReader {
  private connection: Redis | undefined;
  private closed = false;
  /** Ends a read whose command ioredis never settles (queued while reconnecting). */
  private readonly latch = new CloseLatch();

  constructor(private readonly host: ReaderHost<Redis>) {}

  read(positions: readonly ReadPosition[], options?: ReadOptions): Promise<StreamEntries[]> {
    if (this.closed) return Promise.reject(new ClosedError('redis reader'));
    try {
      checkPositions(positions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run('xread', xreadArgs(positions, options));
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
    return this.run('xreadgroup', xreadgroupArgs(group, consumer, positions, options));
  }

  private run(command: string, args: Arg[]): Promise<StreamEntries[]> {
    if (this.connection === undefined) {
      this.connection = this.host.duplicate();
      this.connection.on('error', () => {});
    }
    const read = this.connection.callBuffer(command, args).then(toStreamEntries, (error: unknown) => {
      if (this.closed) return [];
      throw toStreamersonError(error, false, 'redis reader');
    });
    return this.latch.race(read, []);
  }

  async close(): Promise<void> {
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
