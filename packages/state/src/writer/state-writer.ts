/**
 * A writer process of a machine: takes the leases of free shards (up to
 * `maxShards`), runs a {@link ShardWriter} for each, renews them every
 * `renewIntervalMs`, and stands by for the others: a shard whose writer died
 * is taken once its lease expired, a shard handed off (a writer draining) at
 * once, through the machine's hand-off stream. The leases are the processor
 * runtime's {@link ShardLeases}; what runs on each shard is a {@link ShardWriter}.
 */
import { EventEmitter } from 'node:events';
import { ClosedError, requireFencing, type Engine, type Lifecycle } from '@streamerson/core';
import { ClosedSignal } from '@streamerson/core/internal';
import { ShardLeases } from '@streamerson/processor/runtime';
import type { CommandMap, Machine } from '../machine.js';
import { handoffStream, shardKeys } from '../names.js';
import { parseWriterOptions, type StateWriterConfig, type StateWriterOptions } from '../options.js';
import { ShardWriter, type ShardCounts } from './shard-writer.js';

export { HANDOFF_RETENTION } from '@streamerson/processor/runtime';

/** Events of a {@link StateWriter}. */
export interface StateWriterEvents {
  /** This writer took a shard at a fencing epoch, and recovered it. */
  acquired: [shard: number, epoch: number];
  /** This writer handed a shard off (drain): the lease was released. */
  released: [shard: number];
  /** The shard was lost: its lease went to another writer (a fenced write or renewal was refused), or it could not be recovered. */
  lost: [shard: number, error: Error];
  /** A failure the writer recovers from by itself (a lost connection, a forward that failed); emitted only while listened to. */
  error: [error: Error];
  /** An entry that is not a command (acknowledged and skipped), or a command whose handler threw (answered with an error). */
  problem: [shard: number, entryId: string, error: Error];
}

/** Counters of a writer since it started, over every shard it held. */
export interface StateWriterStats extends ShardCounts {
  /** Shards held now. */
  readonly shards: readonly number[];
  /** Keys in memory, over the shards held. */
  readonly keys: number;
  /** Changes not yet in a snapshot. */
  readonly dirty: number;
  /** Emitted commands not yet forwarded. */
  readonly relayPending: number;
  readonly acquired: number;
  readonly lost: number;
  readonly released: number;
  readonly errors: number;
}

type State = 'new' | 'running' | 'stopping' | 'closed';

export class StateWriter<S = unknown, E = unknown> extends EventEmitter<StateWriterEvents> implements Lifecycle<StateWriterStats> {
  readonly config: StateWriterConfig;
  private readonly leases: ShardLeases<ShardWriter<S, E>>;
  private readonly done: ShardCounts = {
    applied: 0,
    rejected: 0,
    duplicates: 0,
    expired: 0,
    failed: 0,
    bad: 0,
    batches: 0,
    snapshots: 0,
    claimed: 0,
    evicted: 0,
  };
  private readonly counts = { acquired: 0, lost: 0, released: 0, errors: 0 };
  private readonly signal = new ClosedSignal();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    engine: Engine,
    readonly machine: Machine<S, CommandMap, E>,
    options: StateWriterOptions = {},
  ) {
    super();
    const fencing = requireFencing(engine, `the writer of "${machine.name}"`);
    this.config = parseWriterOptions(options, machine);
    this.leases = new ShardLeases<ShardWriter<S, E>>(fencing, this.config, {
      leaseKey: (shard) => shardKeys(machine, shard).lease,
      handoffStream: handoffStream(machine),
      open: (shard, epoch, lost) =>
        new ShardWriter(fencing, machine, shardKeys(machine, shard), epoch, this.config, {
          lost: (_shard, error) => lost(error),
          error: (_shard, error) => this.fail(error),
          problem: (s, entryId, error) => this.emit('problem', s, entryId, error),
        }),
      acquired: (w) => {
        this.counts.acquired++;
        this.emit('acquired', w.shard, w.epoch);
      },
      released: (w) => {
        this.counts.released++;
        this.emit('released', w.shard);
      },
      lost: (w, error) => {
        this.counts.lost++;
        this.emit('lost', w.shard, error);
      },
      stopped: (w) => this.forget(w),
      error: (error) => this.fail(error),
    });
  }

  get closed(): Promise<Error | undefined> {
    return this.signal.promise;
  }

  /** Shards held now, in order. */
  get shards(): number[] {
    return this.leases.shards;
  }

  /**
   * Takes the free shards it may (up to `maxShards`) and resolves once they
   * are recovered; shards held by others are taken later, when they come free.
   */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'closed') return Promise.reject(new ClosedError(`state writer ${this.config.id}`));
    this.starting ??= (async () => {
      this.state = 'running';
      await this.leases.start();
    })();
    return this.starting;
  }

  /** Hands every shard off: the batch under way is stored, a snapshot written, the lease released. */
  drain(): Promise<void> {
    this.stopping ??= this.shutdown(true);
    return this.stopping;
  }

  /** The same as {@link drain}: a writer's work in flight is one batch, which is always finished. */
  close(): Promise<void> {
    return this.drain();
  }

  /** Stops at once without releasing anything, as a crash would: the leases expire and standbys take the shards. */
  destroy(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.leases.destroy();
    this.signal.settle(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  stats(): StateWriterStats {
    const counts = { ...this.done };
    let keys = 0;
    let dirty = 0;
    let relayPending = 0;
    for (const w of this.leases.tasks()) {
      for (const [name, n] of Object.entries(w.counts)) counts[name as keyof ShardCounts] += n;
      const g = w.gauges();
      keys += g.keys;
      dirty += g.dirty;
      relayPending += g.relayPending;
    }
    return { ...counts, ...this.counts, shards: this.shards, keys, dirty, relayPending };
  }

  private async shutdown(graceful: boolean): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'stopping';
    await this.leases.stop(graceful, this.starting);
    this.state = 'closed';
    this.signal.settle();
  }

  /** Keeps the counts of a shard writer that stopped. */
  private forget(w: ShardWriter<S, E>): void {
    for (const [name, n] of Object.entries(w.counts)) this.done[name as keyof ShardCounts] += n;
    for (const name of Object.keys(w.counts)) w.counts[name as keyof ShardCounts] = 0;
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }
}
