/**
 * A processor instance: takes the leases of free input shards (up to
 * `maxShards`) on the runtime's {@link ShardLeases}, runs an
 * {@link InputShard} for each, and stands by for the others. Announces itself
 * in the registry (kind `processor`, its inputs and outputs) so that
 * `streamerson graph` draws it.
 */
import { EventEmitter } from 'node:events';
import { ClosedError, requireFencing, type Engine, type Fencing, type Lifecycle } from '@streamerson/core';
import { ClosedSignal } from '@streamerson/core/internal';
import { Announcer } from '@streamerson/service';
import { ShardLeases } from './runtime/shard-leases.js';
import type { ProcessorSpec } from './definition.js';
import { InputShard, type InputCounts } from './input-shard.js';
import { allInputKeys, processorHandoffStream, type InputKeys } from './names.js';
import { parseProcessorOptions, type ProcessorConfig, type ProcessorOptions } from './options.js';

/** Events of a {@link Processor}. */
export interface ProcessorEvents {
  /** This instance took an input shard (its position among the input streams) at a fencing epoch. */
  acquired: [shard: number, stream: string, epoch: number];
  /** This instance handed an input shard off (drain): the lease was released. */
  released: [shard: number, stream: string];
  /** The input shard was lost: its lease went to another instance. */
  lost: [shard: number, stream: string, error: Error];
  /** An input entry was dead-lettered: not a protocol message, no handler for its type, a payload failing its schema, a handler that kept throwing. */
  deadLetter: [stream: string, entryId: string, error: Error];
  /** A failure the processor recovers from by itself; emitted only while listened to. */
  error: [error: Error];
}

/** Counters of an instance since it started, over every input shard it held. */
export interface ProcessorStats extends InputCounts {
  /** Input shards held now. */
  readonly shards: readonly number[];
  readonly claimed: number;
  /** Keys whose state is in memory. */
  readonly cachedKeys: number;
  readonly acquired: number;
  readonly lost: number;
  readonly released: number;
  readonly errors: number;
}

type State = 'new' | 'running' | 'stopping' | 'closed';

export class Processor<S = unknown> extends EventEmitter<ProcessorEvents> implements Lifecycle<ProcessorStats> {
  readonly config: ProcessorConfig;
  readonly inputs: readonly InputKeys[];
  private readonly engine: Engine & Fencing;
  private readonly leases: ShardLeases<InputShard<S>>;
  private readonly announcer: Announcer | undefined;
  private readonly done: InputCounts & { claimed: number } = { processed: 0, outputs: 0, deadLettered: 0, batches: 0, claimed: 0 };
  private readonly counts = { acquired: 0, lost: 0, released: 0, errors: 0 };
  private readonly signal = new ClosedSignal();
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    engine: Engine,
    readonly spec: ProcessorSpec<S>,
    options: ProcessorOptions = {},
  ) {
    super();
    this.engine = requireFencing(engine, `processor "${spec.name}"`);
    this.inputs = allInputKeys(spec);
    this.config = parseProcessorOptions(options, this.inputs.length);
    this.leases = new ShardLeases<InputShard<S>>(this.engine, this.config, {
      leaseKey: (shard) => this.inputs[shard]!.lease,
      handoffStream: processorHandoffStream(spec.name),
      open: (shard, epoch, lost) =>
        new InputShard(this.engine, spec, this.inputs[shard]!, epoch, this.config, {
          lost,
          error: (error) => this.fail(error),
          deadLettered: (stream, entryId, error) => this.emit('deadLetter', stream, entryId, error),
        }),
      acquired: (t) => {
        this.counts.acquired++;
        this.emit('acquired', t.shard, t.keys.stream, t.epoch);
      },
      released: (t) => {
        this.counts.released++;
        this.emit('released', t.shard, t.keys.stream);
      },
      lost: (t, error) => {
        this.counts.lost++;
        this.emit('lost', t.shard, t.keys.stream, error);
      },
      stopped: (t) => this.forget(t),
      error: (error) => this.fail(error),
    });
    this.announcer = this.config.announce
      ? new Announcer(
          engine,
          {
            kind: 'processor',
            name: spec.name,
            instanceId: this.config.id,
            topics: spec.inputs.map((i) => i.topic),
            group: spec.name,
            consumer: this.config.id,
            types: [...spec.handlers.keys()],
            produces: [...spec.outputs.keys()],
          },
          (error) => this.fail(error),
        )
      : undefined;
  }

  get closed(): Promise<Error | undefined> {
    return this.signal.promise;
  }

  /** Input shards held now (positions among {@link inputs}), in order. */
  get shards(): number[] {
    return this.leases.shards;
  }

  /** Takes the free input shards it may and resolves once they run; shards held by others are taken when they come free. */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'closed') return Promise.reject(new ClosedError(`processor ${this.spec.name} (${this.config.id})`));
    this.starting ??= (async () => {
      this.state = 'running';
      await this.leases.start();
      await this.announcer?.start();
    })();
    return this.starting;
  }

  /** Hands every input shard off: the batch under way is stored, the lease released, standbys take over at once. */
  drain(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** The same as {@link drain}: the work in flight is one batch per shard, which is always finished. */
  close(): Promise<void> {
    return this.drain();
  }

  /** Stops at once, as a crash would: leases expire and standbys take the shards; unstored batches are processed again. */
  destroy(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.leases.destroy();
    this.announcer?.destroy();
    this.signal.settle(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  stats(): ProcessorStats {
    const counts = { ...this.done };
    let cachedKeys = 0;
    for (const t of this.leases.tasks()) {
      for (const [name, n] of Object.entries(t.counts)) counts[name as keyof InputCounts] += n;
      counts.claimed += t.claimed;
      cachedKeys += t.cachedKeys;
    }
    return { ...counts, ...this.counts, shards: this.shards, cachedKeys };
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'stopping';
    await this.leases.stop(true, this.starting);
    await this.announcer?.close();
    this.state = 'closed';
    this.signal.settle();
  }

  private forget(t: InputShard<S>): void {
    for (const [name, n] of Object.entries(t.counts)) this.done[name as keyof InputCounts] += n;
    for (const name of Object.keys(t.counts)) t.counts[name as keyof InputCounts] = 0;
    this.done.claimed += t.claimed;
    t.claimed = 0;
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    if (this.listenerCount('error') > 0) this.emit('error', error as Error);
  }
}
