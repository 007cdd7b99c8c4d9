/**
 * The shard-owning part of the runtime: takes the leases of free shards (up
 * to `maxShards`), runs one task per shard it holds, renews the leases every
 * `renewIntervalMs`, and stands by for the others — a shard whose owner died
 * is taken once its lease expired, a shard handed off (an owner draining) at
 * once, through a hand-off stream. State machine writers and processors both
 * run on it; what a task does with its shard is theirs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockingReader, Engine, Fencing } from '@streamerson/core';
import { Backoff } from '@streamerson/core/internal';

/** Hand-off notices kept in a hand-off stream. */
export const HANDOFF_RETENTION = 100;

/** The work on one shard while its lease is held (see {@link ShardLoop}). */
export interface ShardTask {
  readonly shard: number;
  readonly epoch: number;
  /** Settles once the shard is recovered and its work runs (or the task stopped before). */
  readonly ready: Promise<void>;
  /** Runs until stopped; never rejects. */
  start(): Promise<void>;
  /** Graceful: finish the work under way and release the lease; else stop at once. */
  stop(graceful: boolean): Promise<void>;
}

/** How the leases are taken. */
export interface ShardLeasesConfig {
  /** Lease owner: unique per process. */
  readonly id: string;
  /** Shards that may be taken. */
  readonly shards: readonly number[];
  readonly maxShards: number;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  /** Longest wait of the hand-off stream's blocking read. */
  readonly blockMs: number;
}

/** What the owner of the leases provides and hears. */
export interface ShardLeasesHooks<T extends ShardTask> {
  /** The lease key of a shard. */
  leaseKey(shard: number): string;
  /** The stream of hand-off notices. */
  readonly handoffStream: string;
  /** Makes the task of a shard just taken at `epoch`; it calls `lost` when it can no longer run. */
  open(shard: number, epoch: number, lost: (error: Error) => void): T;
  /** The shard was taken and recovered. */
  acquired(task: T): void;
  /** The shard was handed off (the lease released). */
  released(task: T): void;
  /** The shard was lost: its lease is held by another owner, or it could not be recovered. */
  lost(task: T, error: Error): void;
  /** The task stopped, whatever the reason: the last moment to read its counters. */
  stopped(task: T): void;
  /** A failure the leases recover from (a renewal that failed on the connection, a hand-off read). */
  error(error: unknown): void;
}

type State = 'new' | 'running' | 'stopping' | 'closed';

export class ShardLeases<T extends ShardTask> {
  private readonly held = new Map<number, T>();
  private state: State = 'new';
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private handoffReader: BlockingReader | undefined;
  private handoffLoop: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine & Fencing,
    readonly config: ShardLeasesConfig,
    private readonly hooks: ShardLeasesHooks<T>,
  ) {}

  /** Shards held now, in order. */
  get shards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** The tasks of the shards held now. */
  tasks(): IterableIterator<T> {
    return this.held.values();
  }

  /** Takes the free shards it may and resolves once they are recovered; others are taken when they come free. */
  async start(): Promise<void> {
    this.state = 'running';
    const after = await this.engine.lastId(this.hooks.handoffStream);
    this.handoffReader = this.engine.openReader();
    this.handoffLoop = this.followHandoffs(this.handoffReader, after);
    await this.tick();
    // Renewals go on while the shards recover: a recovery may take longer than a lease.
    this.timer = setInterval(() => void this.tick(), this.config.renewIntervalMs);
    this.timer.unref();
    await Promise.all([...this.held.values()].map((t) => t.ready));
  }

  /**
   * Stops every task. Graceful: each finishes its work and releases its lease,
   * and a hand-off notice lets standbys take the shard at once.
   */
  async stop(graceful: boolean, starting?: Promise<void>): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'stopping';
    clearInterval(this.timer);
    await starting?.catch(() => undefined);
    await this.ticking;
    await this.handoffReader?.close();
    await this.handoffLoop;
    await Promise.all(
      [...this.held.values()].map(async (task) => {
        await task.stop(graceful);
        this.forget(task);
        if (!graceful) return;
        this.hooks.released(task);
        await this.engine
          .append(this.hooks.handoffStream, ['shard', String(task.shard)], { retention: { maxLen: HANDOFF_RETENTION } })
          .catch((error: unknown) => this.hooks.error(error));
      }),
    );
    this.state = 'closed';
  }

  /** Stops at once without releasing anything, as a crash would: the leases expire and standbys take the shards. */
  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.timer);
    void this.handoffReader?.close();
    for (const task of this.held.values()) void task.stop(false).then(() => this.hooks.stopped(task));
    this.held.clear();
  }

  /** Renews held leases (a refused renewal loses the shard) and takes free shards. One at a time; asked during one, it runs again after. */
  private tick(): Promise<void> {
    if (this.ticking !== undefined) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        await Promise.all([...this.held.values()].map((t) => this.renew(t)));
        for (const shard of this.config.shards) {
          if (this.state !== 'running' || this.held.size >= this.config.maxShards) break;
          if (!this.held.has(shard)) await this.acquire(shard).catch((error: unknown) => this.hooks.error(error));
        }
      } catch (error) {
        this.hooks.error(error);
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

  private async renew(task: T): Promise<void> {
    const lease = this.hooks.leaseKey(task.shard);
    if (await this.engine.renewLease(lease, this.config.id, task.epoch, this.config.leaseTtlMs)) return;
    const now = await this.engine.leaseState(lease);
    this.lose(
      task,
      new Error(`the lease of shard ${task.shard} is held by ${now.owner ?? 'nobody'} at epoch ${now.epoch}, not by "${this.config.id}" at ${task.epoch}`),
    );
  }

  private async acquire(shard: number): Promise<void> {
    const grant = await this.engine.acquireLease(this.hooks.leaseKey(shard), this.config.id, this.config.leaseTtlMs);
    if (!grant.acquired || this.state !== 'running' || this.held.has(shard)) return;
    const task: T = this.hooks.open(shard, grant.epoch, (error) => this.lose(task, error));
    this.held.set(shard, task);
    void task.start();
    // Not awaited: the renewals of other shards must not wait for this one's recovery.
    void task.ready.then(() => {
      if (this.held.get(shard) === task) this.hooks.acquired(task);
    });
  }

  private lose(task: T, error: Error): void {
    if (this.held.get(task.shard) !== task) return;
    this.held.delete(task.shard);
    void task.stop(false).then(() => this.forget(task));
    this.hooks.lost(task, error);
  }

  private forget(task: T): void {
    if (this.held.get(task.shard) === task) this.held.delete(task.shard);
    this.hooks.stopped(task);
  }

  /** Takes a shard as soon as another owner announces it handed it off. */
  private async followHandoffs(reader: BlockingReader, after: string): Promise<void> {
    const retry = new Backoff({ minMs: 100, maxMs: 2_000 });
    while (this.state === 'running') {
      try {
        const [read] = await reader.read([{ stream: this.hooks.handoffStream, after }], { count: 100, blockMs: this.config.blockMs });
        if (read !== undefined && read.entries.length > 0) {
          after = read.entries[read.entries.length - 1]!.id;
          await this.tick();
        }
        retry.reset();
      } catch (error) {
        if (this.state !== 'running') return;
        this.hooks.error(error);
        await sleep(retry.next());
      }
    }
  }
}
