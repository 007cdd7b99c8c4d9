/**
 * A reader of a machine: loads the shards it follows (snapshot, then the
 * changelog after it) and follows their changelogs, so that `get(key)` answers
 * from memory with the key's state and version. Any number of readers run
 * beside the writers; each converges on the writers' state. `minVersion`
 * waits until the reader has seen at least that version (read-your-writes: a
 * command's result carries its version). A reader whose position the writer
 * trimmed away (it lagged past the retention) loads the shard again.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ClosedError,
  compareStreamIds,
  InvalidOptionError,
  requireFencing,
  type BlockingReader,
  type Engine,
  type Fencing,
  type Lifecycle,
} from '@streamerson/core';
import { Backoff, ClosedSignal, intOption } from '@streamerson/core/internal';
import { decodeChange, type Change, type Versioned } from '../codec.js';
import { shardOf, type Machine, type MachineRef } from '../machine.js';
import { shardKeys, type ShardKeys } from '../names.js';
import { parseReaderOptions, type StateReaderConfig, type StateReaderOptions } from '../options.js';
import { history, type HistoryOptions } from './history.js';
import { applyChange, loadShard, trimmedMark } from './load.js';
import { MinVersionWaits } from './min-version.js';
import { type Watcher, WatcherSet } from './watchers.js';

/** A key's state as a reader answers it. */
export interface KeyState<S = unknown> {
  readonly key: string;
  /** How many changes made it; 0 for a key no command changed. */
  readonly version: number;
  readonly state: S;
}

/** Options of {@link StateReader.get}. */
export interface GetOptions {
  /** Wait until the reader has seen at least this version of the key. */
  readonly minVersion?: number;
  /** Longest wait for `minVersion`; default the reader's `minVersionTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** Events of a {@link StateReader}. */
export interface StateReaderEvents<S = unknown> {
  /** A change the reader applied. */
  change: [change: Change<S>];
  /** A shard was loaded again: the changelog had been trimmed past the reader's position. */
  reload: [shard: number];
  /** A failure the reader recovers from (it retries); emitted only while listened to. */
  error: [error: Error];
}

/** Counters of a reader. */
export interface StateReaderStats {
  readonly keys: number;
  readonly changes: number;
  readonly reloads: number;
  /** Entries of the snapshot or changelog that could not be read (skipped). */
  readonly bad: number;
  readonly watchers: number;
  readonly errors: number;
  /** The changelog id each followed shard is at. */
  readonly positions: Readonly<Record<number, string>>;
}

interface Followed<S> {
  readonly keys: ShardKeys;
  states: Map<string, Versioned<S>>;
  position: string;
}

type State = 'new' | 'running' | 'closed';

export class StateReader<S = unknown> extends EventEmitter<StateReaderEvents<S>> implements Lifecycle<StateReaderStats> {
  readonly config: StateReaderConfig;
  private readonly engine: Engine & Fencing;
  private readonly shards = new Map<number, Followed<S>>();
  private readonly watchers = new WatcherSet<S>();
  private readonly waits = new MinVersionWaits();
  private readonly signal = new ClosedSignal();
  private readonly counts = { changes: 0, reloads: 0, bad: 0, errors: 0 };
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private reader: BlockingReader | undefined;
  private loop: Promise<void> | undefined;
  private nextTrimCheck = 0;

  constructor(
    engine: Engine,
    readonly machine: MachineRef | Machine<S>,
    options: StateReaderOptions = {},
  ) {
    super();
    this.engine = requireFencing(engine, `a reader of "${machine.name}"`);
    this.config = parseReaderOptions(options, machine);
  }

  get closed(): Promise<Error | undefined> {
    return this.signal.promise;
  }

  /** Loads the shards it follows, then follows their changelogs. Idempotent. */
  start(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new ClosedError(`state reader of "${this.machine.name}"`));
    this.starting ??= (async () => {
      this.state = 'running';
      await Promise.all(this.config.shards.map((shard) => this.load(shard)));
      this.nextTrimCheck = Date.now() + this.config.trimCheckIntervalMs;
      this.reader = this.engine.openReader();
      this.loop = this.follow(this.reader);
    })();
    return this.starting;
  }

  /**
   * The key's state and version, or undefined for a key no command changed
   * when the reader has no machine definition (with one: its initial state at
   * version 0). With `minVersion`, waits until the reader has seen that
   * version, else rejects with `ERR_STREAMERSON_TIMEOUT`.
   */
  async get(key: string, options: GetOptions = {}): Promise<KeyState<S> | undefined> {
    const followed = this.followed(key);
    await this.start();
    const minVersion = intOption(options.minVersion, 'minVersion', 0, 0);
    const timeoutMs = intOption(options.timeoutMs, 'timeoutMs', this.config.minVersionTimeoutMs, 1);
    if (minVersion > (followed.states.get(key)?.version ?? 0)) {
      await this.waits.wait(key, minVersion, timeoutMs, () => this.followed(key).states.get(key)?.version ?? 0);
    }
    const value = this.followed(key).states.get(key);
    if (value !== undefined) return { key, version: value.version, state: value.state };
    return 'initial' in this.machine ? { key, version: 0, state: this.machine.initial(key) } : undefined;
  }

  /** Keys with a state, in the shards followed. */
  *keys(): IterableIterator<string> {
    for (const f of this.shards.values()) yield* f.states.keys();
  }

  /** How many keys have a state, in the shards followed. */
  get size(): number {
    let n = 0;
    for (const f of this.shards.values()) n += f.states.size;
    return n;
  }

  /** The key's recent changes, oldest first, as far as the changelog still holds them. */
  history(key: string, options: HistoryOptions = {}): Promise<Change<S>[]> {
    return history(this.engine, shardKeys(this.machine, shardOf(this.machine, key)), key, options) as Promise<Change<S>[]>;
  }

  /**
   * Live changes of `key` from now on, for `for await`. Bounded: a watcher
   * more than `watchBuffer` changes behind ends with
   * `ERR_STREAMERSON_SLOW_CONSUMER`; `break` (or `return()`) ends it.
   */
  watch(key: string): Watcher<S> {
    this.followed(key);
    if (this.state === 'closed') throw new ClosedError(`state reader of "${this.machine.name}"`);
    return this.watchers.add(key, this.config.watchBuffer);
  }

  stats(): StateReaderStats {
    const positions: Record<number, string> = {};
    for (const [shard, f] of this.shards) positions[shard] = f.position;
    return { ...this.counts, keys: this.size, watchers: this.watchers.size, positions };
  }

  /** A reader has no work in flight of its own: the same as {@link close}. */
  drain(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return this.signal.promise.then(() => undefined);
    this.state = 'closed';
    await this.starting?.catch(() => undefined);
    await this.reader?.close();
    await this.loop;
    this.end();
  }

  destroy(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    void this.reader?.close();
    this.end(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  private end(error?: Error): void {
    const what = `state reader of "${this.machine.name}"`;
    this.watchers.endAll(what);
    this.waits.rejectAll(new ClosedError(what));
    this.signal.settle(error);
  }

  /** The followed shard of `key`; INVALID_OPTION for a key of a shard not followed. */
  private followed(key: string): Followed<S> {
    if (typeof key !== 'string' || key === '') throw new InvalidOptionError('key', 'expected a non-empty string');
    const shard = shardOf(this.machine, key);
    const f = this.shards.get(shard);
    if (f !== undefined) return f;
    if (!this.config.shards.includes(shard)) throw new InvalidOptionError('key', `key "${key}" is on shard ${shard}, which this reader does not follow`);
    // Not loaded yet: an empty view until start() fills it.
    const empty: Followed<S> = { keys: shardKeys(this.machine, shard), states: new Map(), position: '0-0' };
    this.shards.set(shard, empty);
    return empty;
  }

  private async load(shard: number): Promise<void> {
    const keys = shardKeys(this.machine, shard);
    const loaded = await loadShard<S>(this.engine, keys, this.config.readCount);
    this.counts.bad += loaded.bad;
    const f = this.shards.get(shard);
    if (f === undefined) this.shards.set(shard, { keys, states: loaded.states, position: loaded.position });
    else {
      // Changes seen while loading (a reload) are kept where they are newer.
      for (const [key, value] of f.states) {
        const now = loaded.states.get(key);
        if (now === undefined || now.version < value.version) loaded.states.set(key, value);
      }
      f.states = loaded.states;
      f.position = loaded.position;
    }
    for (const [key, value] of loaded.states) this.waits.check(key, value.version);
  }

  private async follow(reader: BlockingReader): Promise<void> {
    const retry = new Backoff({ minMs: 100, maxMs: 2_000 });
    while (this.state === 'running') {
      try {
        if (Date.now() >= this.nextTrimCheck) await this.reloadTrimmed();
        const positions = [...this.shards.values()].map((f) => ({ stream: f.keys.changelog, after: f.position }));
        const block = Math.max(1, Math.min(this.config.blockMs, this.nextTrimCheck - Date.now()));
        const results = await reader.read(positions, { count: this.config.readCount, blockMs: block });
        for (const { stream, entries } of results) {
          const f = [...this.shards.values()].find((s) => s.keys.changelog === stream);
          if (f === undefined) continue;
          for (const entry of entries) this.take(f, entry.id, decodeChange(entry));
        }
        retry.reset();
      } catch (error) {
        if (this.state !== 'running') return;
        this.counts.errors++;
        if (this.listenerCount('error') > 0) this.emit('error', error as Error);
        await sleep(retry.next());
      }
    }
  }

  private take(f: Followed<S>, id: string, change: Change | undefined): void {
    if (compareStreamIds(id, f.position) <= 0) return;
    f.position = id;
    if (change === undefined) {
      this.counts.bad++;
      return;
    }
    if (!applyChange(f.states, change)) return;
    this.counts.changes++;
    this.waits.check(change.key, change.version);
    this.watchers.notify(change as Change<S>);
    if (this.listenerCount('change') > 0) this.emit('change', change as Change<S>);
  }

  /** Loads again every shard whose changelog the writer trimmed past this reader's position. */
  private async reloadTrimmed(): Promise<void> {
    this.nextTrimCheck = Date.now() + this.config.trimCheckIntervalMs;
    for (const [shard, f] of this.shards) {
      if (compareStreamIds(await trimmedMark(this.engine, f.keys), f.position) <= 0) continue;
      await this.load(shard);
      this.counts.reloads++;
      this.emit('reload', shard);
    }
  }
}
