/**
 * A writer process of a machine: takes the leases of free shards (up to
 * `maxShards`), runs a {@link ShardWriter} for each, renews them every
 * `renewIntervalMs`, and stands by for the others: a shard whose writer died
 * is taken once its lease expired, a shard handed off (a writer draining) at
 * once, through the machine's hand-off stream.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClosedError, requireFencing, type BlockingReader, type Engine, type Fencing, type Lifecycle } from '@streamerson/core';
import { Backoff, ClosedSignal } from '@streamerson/core/internal';
import type { CommandMap, Machine } from '../machine.js';
import { handoffStream, shardKeys } from '../names.js';
import { parseWriterOptions, type StateWriterConfig, type StateWriterOptions } from '../options.js';
import { ShardWriter, type ShardCounts } from './shard-writer.js';

/** Hand-off notices kept in a machine's hand-off stream. */
export const HANDOFF_RETENTION = 100;

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
  private readonly engine: Engine & Fencing;
  private readonly held = new Map<number, ShardWriter<S, E>>();
  private readonly done: ShardCounts = { applied: 0, rejected: 0, duplicates: 0, expired: 0, failed: 0, bad: 0, batches: 0, snapshots: 0, claimed: 0, evicted: 0 };
  private readonly counts = { acquired: 0, lost: 0, released: 0, errors: 0 };
  private readonly signal = new ClosedSignal();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private handoffReader: BlockingReader | undefined;
  private handoffLoop: Promise<void> | undefined;

  constructor(engine: Engine, readonly machine: Machine<S, CommandMap, E>, options: StateWriterOptions = {}) {
    super();
    this.engine = requireFencing(engine, `the writer of "${machine.name}"`);
    this.config = parseWriterOptions(options, machine);
  }

  get closed(): Promise<Error | undefined> {
    return this.signal.promise;
  }

  /** Shards held now, in order. */
  get shards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Takes the free shards it may (up to `maxShards`) and resolves once they
   * are recovered; shards held by others are taken later, when they come free.
   */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'closed') return Promise.reject(new ClosedError(`state writer ${this.config.id}`));
    this.starting ??= (async () => {
      this.state = 'running';
      const handoff = handoffStream(this.machine);
      const after = await this.engine.lastId(handoff);
      this.handoffReader = this.engine.openReader();
      this.handoffLoop = this.followHandoffs(this.handoffReader, handoff, after);
      await this.tick();
      // Renewals go on while the shards recover: a recovery may take longer than a lease.
      this.timer = setInterval(() => void this.tick(), this.config.renewIntervalMs);
      this.timer.unref();
      await Promise.all([...this.held.values()].map((w) => w.ready));
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
    clearInterval(this.timer);
    void this.handoffReader?.close();
    for (const w of this.held.values()) void w.stop(false);
    this.held.clear();
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
    for (const w of this.held.values()) {
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
    clearInterval(this.timer);
    await this.starting?.catch(() => undefined);
    await this.ticking;
    await this.handoffReader?.close();
    await this.handoffLoop;
    const handoff = handoffStream(this.machine);
    await Promise.all([...this.held.values()].map(async (w) => {
      await w.stop(graceful);
      this.forget(w);
      if (!graceful) return;
      this.counts.released++;
      this.emit('released', w.shard);
      await this.engine.append(handoff, ['shard', String(w.shard)], { retention: { maxLen: HANDOFF_RETENTION } }).catch((error: unknown) => this.fail(error));
    }));
    this.state = 'closed';
    this.signal.settle();
  }

  /** Renews held leases (a refused renewal loses the shard) and takes free shards. One at a time; asked during one, it runs again after. */
  private tick(): Promise<void> {
    if (this.ticking !== undefined) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        await Promise.all([...this.held.values()].map((w) => this.renew(w)));
        for (const shard of this.config.shards) {
          if (this.state !== 'running' || this.held.size >= this.config.maxShards) break;
          if (!this.held.has(shard)) await this.acquire(shard).catch((error: unknown) => this.fail(error));
        }
      } catch (error) {
        this.fail(error);
      } finally {
        this.ticking = undefined;
      }
      if (this.tickAgain && this.state === 'running') {
        this.tickAgain = false;
        await this.tick();
      }
    })();
    return this.ticking;
  }

  private async renew(w: ShardWriter<S, E>): Promise<void> {
    const { lease } = w.keys;
    if (await this.engine.renewLease(lease, this.config.id, w.epoch, this.config.leaseTtlMs)) return;
    const now = await this.engine.leaseState(lease);
    this.lose(w, new Error(`the lease of shard ${w.shard} is held by ${now.owner ?? 'nobody'} at epoch ${now.epoch}, not by "${this.config.id}" at ${w.epoch}`));
  }

  private async acquire(shard: number): Promise<void> {
    const keys = shardKeys(this.machine, shard);
    const grant = await this.engine.acquireLease(keys.lease, this.config.id, this.config.leaseTtlMs);
    if (!grant.acquired || this.state !== 'running' || this.held.has(shard)) return;
    const writer: ShardWriter<S, E> = new ShardWriter(this.engine, this.machine, keys, grant.epoch, this.config, {
      lost: (_shard, error) => this.lose(writer, error),
      error: (_shard, error) => this.fail(error),
      problem: (s, entryId, error) => this.emit('problem', s, entryId, error),
    });
    this.held.set(shard, writer);
    void writer.start();
    // Not awaited: the renewals of other shards must not wait for this one's recovery.
    void writer.ready.then(() => {
      if (this.held.get(shard) !== writer) return;
      this.counts.acquired++;
      this.emit('acquired', shard, grant.epoch);
    });
  }

  private lose(w: ShardWriter<S, E>, error: Error): void {
    if (this.held.get(w.shard) !== w) return;
    this.held.delete(w.shard);
    void w.stop(false).then(() => this.forget(w));
    this.counts.lost++;
    this.emit('lost', w.shard, error);
  }

  /** Keeps the counts of a shard writer that stopped. */
  private forget(w: ShardWriter<S, E>): void {
    if (this.held.get(w.shard) === w) this.held.delete(w.shard);
    for (const [name, n] of Object.entries(w.counts)) this.done[name as keyof ShardCounts] += n;
    for (const name of Object.keys(w.counts)) w.counts[name as keyof ShardCounts] = 0;
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }

  /** Takes a shard as soon as another writer announces it handed it off. */
  private async followHandoffs(reader: BlockingReader, stream: string, after: string): Promise<void> {
    const retry = new Backoff({ minMs: 100, maxMs: 2_000 });
    while (this.state === 'running') {
      try {
        const [read] = await reader.read([{ stream, after }], { count: 100, blockMs: this.config.blockMs });
        if (read !== undefined && read.entries.length > 0) {
          after = read.entries[read.entries.length - 1]!.id;
          await this.tick();
        }
        retry.reset();
      } catch (error) {
        if (this.state !== 'running') return;
        this.fail(error);
        await sleep(retry.next());
      }
    }
  }
}
