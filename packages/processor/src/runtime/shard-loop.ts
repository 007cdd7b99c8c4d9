/**
 * The run of one shard while its lease is held: recover, then batches until
 * stopped — claim what other owners left pending in the group (every
 * `claimIntervalMs`), read this owner's own pending entries after a takeover
 * or an unsure write, else new entries, and hand each batch to `process`,
 * which stores it in one fenced write ({@link ShardLoop.write}). A fenced
 * write refused ends the run (`lost`): another owner took the shard. Other
 * failures are reported and retried with the backoff schedule.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FencedError,
  StreamersonError,
  type BlockingReader,
  type Engine,
  type FencedWrite,
  type FencedWriteResult,
  type Fencing,
  type RawEntry,
} from '@streamerson/core';
import { Backoff } from '@streamerson/core/internal';
import type { ShardTask } from './shard-leases.js';

/** Where and how a shard loop reads its batches. */
export interface ShardLoopConfig {
  /** Lease owner and consumer name. */
  readonly id: string;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly claimIntervalMs: number;
}

/** What a shard loop reports. */
export interface ShardLoopHooks {
  /** The shard was lost (fenced) or could not be recovered; the loop stopped. */
  lost(error: Error): void;
  /** A failure the loop recovers from (it retries). */
  error(error: Error): void;
}

type Phase = 'recovering' | 'running' | 'stopping' | 'stopped';

export abstract class ShardLoop implements ShardTask {
  protected readonly reader: BlockingReader;
  private readonly retry = new Backoff({ minMs: 50, maxMs: 2_000 });
  private phase: Phase = 'recovering';
  /** After a write whose outcome is unknown: `catchUp` runs, own pending entries are read again. */
  protected unsure = false;
  private readOwnPending = true;
  /** The read of the next batch, started while the current one is stored (see {@link readAhead}). */
  private ahead: Promise<readonly RawEntry[]> | undefined;
  private nextClaimAt = 0;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private recovered!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.recovered = resolve));
  /** Entries claimed from other owners. */
  claimed = 0;

  constructor(
    protected readonly engine: Engine & Fencing,
    readonly shard: number,
    readonly epoch: number,
    /** The lease key. */
    readonly lease: string,
    /** The stream read as `group`. */
    protected readonly input: string,
    protected readonly group: string,
    protected readonly loopConfig: ShardLoopConfig,
    protected readonly hooks: ShardLoopHooks,
    /**
     * Read the next batch while the current one is processed and stored: the
     * engine works on one while this process works on the other. Its entries
     * are used only once the batch before them is stored.
     */
    private readonly readAhead = false,
  ) {
    this.reader = engine.openReader();
  }

  /** Whether batches run (recovered, not stopping). */
  protected get running(): boolean {
    return this.phase === 'running';
  }

  protected get stopped(): boolean {
    return this.phase === 'stopped';
  }

  /** Takes over the shard: everything before the first batch. */
  protected abstract recover(): Promise<void>;
  /** Stores a batch (entries of `input`, some perhaps `{ fields: [] }` when deleted); one fenced write. */
  protected abstract process(entries: readonly RawEntry[]): Promise<void>;
  /** After a write whose outcome is unknown, before the next batch: take what was stored. */
  protected async catchUp(): Promise<void> {}
  /** After each turn (snapshots, say). */
  protected async afterStep(): Promise<void> {}
  /** On a graceful stop, once the batch under way is stored, before the lease is released. */
  protected async finish(): Promise<void> {}
  /** Once stopped, whatever the reason. */
  protected onStopped(): void {}

  /** Recovers the shard and runs batches until stopped; never rejects (failures go to the hooks). */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /**
   * Stops. Graceful (a hand-off or drain): the batch under way is stored,
   * `finish` runs, then the lease is released. Not graceful (lost,
   * destroyed): stops reading at once.
   */
  stop(graceful: boolean): Promise<void> {
    this.stopping ??= (async () => {
      const wasRunning = this.phase === 'running';
      if (this.phase !== 'stopped') this.phase = 'stopping';
      await this.reader.close();
      await this.loop;
      if (graceful && wasRunning && !this.unsure) {
        try {
          await this.finish();
          await this.engine.releaseLease(this.lease, this.loopConfig.id, this.epoch);
        } catch (error) {
          this.hooks.error(error as Error);
        }
      }
      this.onStopped();
      this.phase = 'stopped';
    })();
    return this.stopping;
  }

  /** The lease part of a fenced write. */
  protected fenced(): { lease: string; owner: string; epoch: number } {
    return { lease: this.lease, owner: this.loopConfig.id, epoch: this.epoch };
  }

  /** One fenced write; a failure other than a refusal leaves its outcome unknown (`unsure`). */
  protected async write(write: Omit<FencedWrite, 'lease' | 'owner' | 'epoch'>): Promise<FencedWriteResult> {
    try {
      return await this.engine.fencedWrite({ ...this.fenced(), ...write });
    } catch (error) {
      // Refused: nothing was written. Otherwise the write may or may not have happened.
      if (!(error instanceof FencedError) && !(error instanceof StreamersonError && error.code === 'ERR_STREAMERSON_INVALID_OPTION')) this.unsure = true;
      throw error;
    }
  }

  /** After `catchUp`: read own pending entries again before new ones. */
  protected rereadOwnPending(): void {
    this.readOwnPending = true;
  }

  private async run(): Promise<void> {
    let lost: Error | undefined;
    try {
      await this.engine.createGroup(this.input, this.group, '0');
      await this.recover();
    } catch (error) {
      lost = error as Error;
    }
    if (lost === undefined && this.phase === 'recovering') {
      this.phase = 'running';
      this.recovered();
      while (this.phase === 'running') {
        try {
          if (this.unsure) {
            await this.catchUp();
            this.unsure = false;
            this.readOwnPending = true;
          }
          await this.step();
          this.retry.reset();
        } catch (error) {
          if (error instanceof FencedError) {
            lost = error;
            break;
          }
          if (this.phase !== 'running') break;
          // A batch that was not stored is pending to this owner: it is read again first, so that order holds.
          await this.dropAhead();
          this.readOwnPending = true;
          this.hooks.error(error as Error);
          await sleep(this.retry.next());
        }
      }
    }
    this.recovered();
    await this.reader.close();
    await this.dropAhead();
    // A failure after a stop was asked for changes nothing: the stop ends the loop anyway.
    if (lost !== undefined && this.phase !== 'stopping') {
      this.phase = 'stopped';
      this.onStopped();
      this.hooks.lost(lost);
    }
  }

  /** One turn: claim what others left, read a batch, store it. */
  private async step(): Promise<void> {
    if (Date.now() >= this.nextClaimAt) {
      this.nextClaimAt = Date.now() + this.loopConfig.claimIntervalMs;
      // What a read ahead got is pending to this owner: the claim takes it, in order.
      await this.dropAhead();
      await this.claimAbandoned();
    }
    const own = this.readOwnPending;
    if (own) await this.dropAhead();
    const entries = this.ahead === undefined ? await this.readBatch(own) : await this.ahead;
    this.ahead = undefined;
    if (own && entries.length === 0) this.readOwnPending = false;
    if (entries.length > 0) {
      // The next read runs while this batch is processed and stored; it is used only if this one is stored.
      if (this.readAhead && !this.readOwnPending) this.ahead = this.readBatch(false);
      await this.process(entries);
    }
    await this.afterStep();
  }

  /** One group read: this owner's pending entries (`own`), else new ones, waiting up to `blockMs`. */
  private async readBatch(own: boolean): Promise<readonly RawEntry[]> {
    const { batchSize, blockMs, id } = this.loopConfig;
    const [read] = await this.reader.readGroup(
      this.group,
      id,
      [{ stream: this.input, after: own ? '0' : '>' }],
      own ? { count: batchSize } : { count: batchSize, blockMs },
    );
    return read?.entries ?? [];
  }

  /** Forgets a read ahead (its entries stay pending to this owner, read again in order). */
  private async dropAhead(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = undefined;
    await ahead?.catch(() => undefined);
  }

  /** Claims every pending entry of the group: while this owner holds the lease, nobody else may run them. */
  private async claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    do {
      const { next, entries } = await this.engine.autoClaim(this.input, this.group, this.loopConfig.id, 0, cursor, this.loopConfig.batchSize);
      cursor = next;
      if (entries.length > 0) {
        this.claimed += entries.length;
        await this.process(entries);
      }
    } while (cursor !== '0-0' && this.phase !== 'stopped');
  }
}
