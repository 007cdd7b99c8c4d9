/**
 * The writer's states of one shard in memory: committed states only, the
 * least recently used first. Keys changed since the last snapshot are dirty;
 * only clean keys (their state is in the snapshot hash) are evicted past
 * `maxKeys`, and come back from the hash when a command needs them.
 */
import type { Versioned } from '../codec.js';

export class KeyStates<S> {
  private readonly states = new Map<string, Versioned<S>>();
  private readonly dirtyKeys = new Set<string>();

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.states.size;
  }

  get dirty(): number {
    return this.dirtyKeys.size;
  }

  /** The state of `key` if it is in memory (and marks it recently used). */
  get(key: string): Versioned<S> | undefined {
    const value = this.states.get(key);
    if (value !== undefined) {
      this.states.delete(key);
      this.states.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.states.has(key);
  }

  /** A committed change: the key is dirty until a snapshot holds it. */
  set(key: string, value: Versioned<S>): void {
    this.states.delete(key);
    this.states.set(key, value);
    this.dirtyKeys.add(key);
  }

  /** A state loaded from the snapshot: clean. Never replaces a newer one. */
  load(key: string, value: Versioned<S>): void {
    const known = this.states.get(key);
    if (known !== undefined && known.version >= value.version) return;
    this.states.set(key, value);
  }

  /** The dirty keys with their states now; they are clean from here on unless changed again. */
  takeDirty(): [string, Versioned<S>][] {
    const out: [string, Versioned<S>][] = [];
    for (const key of this.dirtyKeys) out.push([key, this.states.get(key)!]);
    this.dirtyKeys.clear();
    return out;
  }

  /** Marks keys dirty again (a snapshot write of them failed). */
  markDirty(keys: readonly string[]): void {
    for (const key of keys) if (this.states.has(key)) this.dirtyKeys.add(key);
  }

  /** Drops least recently used clean keys until at most `maxKeys` remain (or only dirty ones are left). */
  evict(): number {
    let evicted = 0;
    if (this.states.size <= this.maxKeys) return 0;
    for (const key of this.states.keys()) {
      if (this.states.size <= this.maxKeys) break;
      if (this.dirtyKeys.has(key)) continue;
      this.states.delete(key);
      evicted++;
    }
    return evicted;
  }

  clear(): void {
    this.states.clear();
    this.dirtyKeys.clear();
  }
}
