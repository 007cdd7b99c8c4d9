import { DedupeTable } from './dedupe.js';
import type { MemoryLease } from './fencing-ops.js';
import type { MemoryStream } from './memory-stream.js';
import { WaiterRegistry } from './waiters.js';

/** A hash scan under way: the live iterator of its hash and how many fields it returned. */
export interface MemoryHashScan {
  readonly hash: Map<string, Buffer>;
  readonly iterator: Iterator<[string, Buffer]>;
  returned: number;
}

/** The data behind one `memory://<name>`: its streams, dedupe records, leases, hashes and blocked reads. */
export class MemoryStore {
  readonly streams = new Map<string, MemoryStream>();
  readonly leases = new Map<string, MemoryLease>();
  readonly hashes = new Map<string, Map<string, Buffer>>();
  /** Hash scans under way, oldest first (see `hashScan`). */
  readonly scans = new Map<number, MemoryHashScan>();
  scanSeq = 0;
  readonly dedupe = new DedupeTable();
  readonly waiters = new WaiterRegistry();
  /** Open engines using this store. */
  refs = 0;
  /** Streams with a time to live: one unref'd timer each, replaced by a later `expire`. */
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(readonly name: string) {}

  /** Deletes `stream` after `ttlMs`, if it is still the same stream object then (as a key's TTL dies with the key). */
  expireLater(name: string, stream: MemoryStream, ttlMs: number): void {
    clearTimeout(this.expiries.get(name));
    const timer = setTimeout(() => {
      this.expiries.delete(name);
      if (this.streams.get(name) !== stream) return;
      this.streams.delete(name);
      this.waiters.notify(name);
    }, ttlMs);
    timer.unref();
    this.expiries.set(name, timer);
  }

  /** Stops every expiry timer; the store is going away. */
  clearExpiries(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }
}

/** Stores by name, shared by every engine of this process with the same name. */
const stores = new Map<string, MemoryStore>();

/** The store named `name`, created on first use; pair with {@link releaseStore}. */
export function acquireStore(name: string): MemoryStore {
  let store = stores.get(name);
  if (store === undefined) {
    store = new MemoryStore(name);
    stores.set(name, store);
  }
  store.refs++;
  return store;
}

/** Releases a store; the last release drops it and all its streams. */
export function releaseStore(store: MemoryStore): void {
  store.refs--;
  if (store.refs <= 0 && stores.get(store.name) === store) {
    stores.delete(store.name);
    store.clearExpiries();
  }
}
