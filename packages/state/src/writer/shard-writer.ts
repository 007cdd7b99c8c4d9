/**
 * The writer of one shard while it holds the shard's lease: recovers the
 * shard (the changelog after the snapshot, the command ids of the dedupe
 * window, commands other writers left pending, the outbox), then runs batches
 * — read commands, decide them, store the changelog entries, emitted
 * commands, acks and replies in one fenced write, and only then change memory
 * — with snapshots of the changed keys every `snapshotEvery` changes or
 * `snapshotIntervalMs`. A fenced write refused ends it: another writer took
 * the shard. It runs on the processor runtime's {@link ShardLoop}: the
 * lease, the group reads, claims and retries are the runtime's.
 */
import { StreamersonError, type Engine, type Fencing, type RawEntry } from '@streamerson/core';
import { ShardLoop } from '@streamerson/processor/runtime';
import { decodeChange, decodeSnapshot, type Versioned } from '../codec.js';
import type { CommandMap, Machine } from '../machine.js';
import { META_OFFSET, WRITER_GROUP, type ShardKeys } from '../names.js';
import type { StateWriterConfig } from '../options.js';
import { decodeIncoming, planBatch, type BatchPlan, type Incoming } from './batch.js';
import { AppliedCommands } from './dedupe.js';
import { KeyStates } from './key-states.js';
import { Relay } from './relay.js';
import { writeSnapshot } from './snapshot.js';

/** What a shard writer reports to the writer that runs it. */
export interface ShardHooks {
  /** The shard was lost (fenced) or could not be recovered; the writer stopped. */
  lost(shard: number, error: Error): void;
  /** A failure the writer recovers from (it retries). */
  error(shard: number, error: Error): void;
  /** An entry that is not a command, or a handler that threw (the command was answered with an error). */
  problem(shard: number, entryId: string, error: Error): void;
}

/** Counters of one shard writer. */
export interface ShardCounts {
  applied: number;
  rejected: number;
  duplicates: number;
  expired: number;
  failed: number;
  bad: number;
  batches: number;
  snapshots: number;
  claimed: number;
  evicted: number;
}

export class ShardWriter<S, E> extends ShardLoop {
  readonly counts: ShardCounts = { applied: 0, rejected: 0, duplicates: 0, expired: 0, failed: 0, bad: 0, batches: 0, snapshots: 0, claimed: 0, evicted: 0 };
  private readonly states: KeyStates<S>;
  private readonly applied: AppliedCommands<S>;
  private readonly relay: Relay;
  /** The changelog id of the last stored change: what a snapshot written now covers. */
  private lastCommitted = '0-0';
  /** The offset of the snapshot before the latest: the changelog is kept from there. */
  private previousOffset = '0-0';
  private changesSinceSnapshot = 0;
  private lastSnapshotAt = Date.now();

  constructor(
    engine: Engine & Fencing,
    private readonly machine: Machine<S, CommandMap, E>,
    readonly keys: ShardKeys,
    epoch: number,
    private readonly config: StateWriterConfig,
    private readonly shardHooks: ShardHooks,
  ) {
    super(engine, keys.shard, epoch, keys.lease, keys.commands, WRITER_GROUP, config, {
      lost: (error) => shardHooks.lost(keys.shard, error),
      error: (error) => shardHooks.error(keys.shard, error),
    });
    this.states = new KeyStates(config.maxKeys);
    this.applied = new AppliedCommands(config.maxDedupe, config.dedupeWindowMs);
    this.relay = new Relay(engine, keys.outbox, config.id, { error: (error) => shardHooks.error(keys.shard, error) });
  }

  /** Keys in memory, changes not yet in a snapshot, commands not yet forwarded. */
  gauges(): { keys: number; dirty: number; relayPending: number; dedupe: number } {
    return { keys: this.states.size, dirty: this.states.dirty, relayPending: this.relay.pending, dedupe: this.applied.size };
  }

  /** A graceful stop: the relay emptied and a last snapshot written before the lease is released. */
  protected override async finish(): Promise<void> {
    await this.relay.whenIdle();
    await this.snapshot();
  }

  protected override onStopped(): void {
    this.counts.claimed = this.claimed;
    this.relay.stop();
  }

  protected override afterStep(): Promise<void> {
    this.counts.claimed = this.claimed;
    return this.snapshotWhenDue();
  }

  /** Decides and stores a batch; memory changes only once the fenced write succeeded. */
  protected async process(entries: readonly RawEntry[]): Promise<void> {
    const gone = entries.filter((e) => e.fields.length === 0).map((e) => e.id);
    const incoming = decodeIncoming(
      this.keys.commands,
      entries.filter((e) => e.fields.length > 0),
    );
    await this.loadKeys(incoming);
    const plan = planBatch(incoming, {
      machine: this.machine,
      keys: this.keys,
      lookup: (key) => this.states.get(key) ?? { version: 0, state: this.machine.initial(key) },
      applied: this.applied,
      now: Date.now(),
      source: this.config.id,
      epoch: this.epoch,
    });
    plan.acks.push(...gone);
    await this.commit(plan);
    for (const p of plan.problems) this.shardHooks.problem(this.shard, p.entryId, p.error);
  }

  /** Loads keys of the batch that are not in memory from the snapshot (a key in neither is new). */
  private async loadKeys(incoming: readonly Incoming[]): Promise<void> {
    const cold = new Set<string>();
    for (const { key } of incoming) if (key !== undefined && !this.states.has(key)) cold.add(key);
    if (cold.size === 0) return;
    const missing = [...cold];
    const values = await this.engine.hashGet(this.keys.state, missing);
    missing.forEach((key, i) => {
      const bytes = values[i];
      const value = bytes == null ? undefined : decodeSnapshot(bytes);
      if (bytes != null && value === undefined)
        this.shardHooks.problem(
          this.shard,
          key,
          new StreamersonError(
            'ERR_STREAMERSON_BAD_ENTRY',
            `the snapshot of key "${key}" in "${this.keys.state}" cannot be read; the key starts again from its initial state`,
          ),
        );
      this.states.load(key, (value as Versioned<S> | undefined) ?? { version: 0, state: this.machine.initial(key) });
    });
  }

  private async commit(plan: BatchPlan<S>): Promise<void> {
    if (plan.acks.length === 0) return;
    const result = await this.write({
      appends: plan.appends,
      acks: [{ stream: this.keys.commands, group: WRITER_GROUP, ids: plan.acks }],
      followUps: plan.replies,
    });
    if (result.followUpError !== undefined) this.shardHooks.error(this.shard, result.followUpError);
    const now = Date.now();
    plan.changes.forEach((change, i) => {
      this.states.set(change.key, change.value);
      this.applied.add(change.commandId, change.key, change.value.version, change.value.state, now);
      this.lastCommitted = result.ids[i] ?? this.lastCommitted;
    });
    if (plan.outbox.length > 0) this.relay.push(result.ids.slice(plan.changes.length), plan.outbox);
    this.changesSinceSnapshot += plan.changes.length;
    this.counts.batches++;
    for (const [name, n] of Object.entries(plan.counts)) this.counts[name as keyof BatchPlan<S>['counts']] += n;
    while (this.relay.pending > this.config.relayMaxPending && this.running) await this.relay.whenIdle();
  }

  /** Takes what the changelog holds after the last change known: the outcome of an unsure write. */
  protected override async catchUp(): Promise<void> {
    await this.readChangelog(this.lastCommitted, (change) => {
      this.states.set(change.key, { version: change.version, state: change.state as S });
      this.applied.addChange(change);
    });
    this.relay.rescan();
  }

  /** Reads the changelog after `after`, page by page; returns how many changes it read. */
  private async readChangelog(after: string, each: (change: NonNullable<ReturnType<typeof decodeChange>>) => void): Promise<number> {
    let start = after === '0-0' ? '-' : `(${after}`;
    let n = 0;
    for (;;) {
      const page = await this.engine.range(this.keys.changelog, start, '+', 1_000);
      for (const entry of page) {
        const change = decodeChange(entry);
        if (change === undefined)
          this.shardHooks.problem(
            this.shard,
            entry.id,
            new StreamersonError('ERR_STREAMERSON_BAD_ENTRY', `changelog entry ${entry.id} of "${this.keys.changelog}" is not a change; skipped`),
          );
        else each(change);
        this.lastCommitted = entry.id;
        n++;
      }
      if (page.length < 1_000) return n;
      start = `(${page[page.length - 1]!.id}`;
    }
  }

  /**
   * Takeover: the group, the changelog after the snapshot (its keys in memory,
   * newer than the snapshot), the command ids of the dedupe window, the outbox.
   * Other keys load from the snapshot when a command needs them.
   */
  protected async recover(): Promise<void> {
    const [offset] = await this.engine.hashGet(this.keys.meta, [META_OFFSET]);
    const snapshotOffset = offset?.toString() ?? '0-0';
    this.lastCommitted = snapshotOffset;
    this.previousOffset = snapshotOffset;
    const tail = await this.readChangelog(snapshotOffset, (change) => this.states.set(change.key, { version: change.version, state: change.state as S }));
    this.changesSinceSnapshot = tail;
    const recent = await this.engine.revRange(this.keys.changelog, '+', '-', this.config.maxDedupe);
    for (let i = recent.length - 1; i >= 0; i--) {
      const change = decodeChange(recent[i]!);
      if (change !== undefined) this.applied.addChange(change);
    }
    this.relay.rescan();
  }

  private async snapshotWhenDue(): Promise<void> {
    const due =
      this.changesSinceSnapshot >= this.config.snapshotEvery ||
      (this.changesSinceSnapshot > 0 && Date.now() - this.lastSnapshotAt >= this.config.snapshotIntervalMs) ||
      this.states.size > this.config.maxKeys;
    if (due) await this.snapshot();
  }

  /** Writes the changed keys and the offset they cover, trims the changelog, evicts cold keys. */
  private async snapshot(): Promise<void> {
    if (this.changesSinceSnapshot === 0 && this.states.dirty === 0) return;
    const offset = this.lastCommitted;
    const dirty = this.states.takeDirty();
    try {
      const trimmed = await writeSnapshot(this.engine, this.fenced(), this.keys, dirty, offset, this.previousOffset, this.config.changelogRetentionMs);
      this.previousOffset = offset;
      this.changesSinceSnapshot = 0;
      this.lastSnapshotAt = Date.now();
      this.counts.snapshots++;
      this.counts.evicted += this.states.evict();
      await this.engine.trim(this.keys.changelog, { minId: trimmed });
    } catch (error) {
      this.states.markDirty(dirty.map(([key]) => key));
      throw error;
    }
  }
}
