/**
 * Fencing: the engine capability behind single writers. A **lease** names at
 * most one holder at a time; every acquisition by a new holder (or after the
 * lease expired or was released) raises its **fencing epoch**. A
 * {@link FencedWrite} is applied only while its lease is still held by the
 * writer at its epoch, checked in the same atomic step as the write (a Lua
 * script on Redis, one synchronous step on `memory://`): a writer that was
 * paused past its lease and replaced can no longer write anything.
 *
 * The capability also holds **hashes** (field → value per key), written only
 * through fenced writes and read freely: keyed state that must change
 * atomically with a changelog lives there.
 *
 * On a Redis Cluster every key of one fenced write (lease, appends, acks,
 * hashes) must share the lease's slot; give them the lease's hash tag with
 * `auxKey`. Only `followUps` may go elsewhere.
 */
import type { AppendItem, Engine } from './types.js';
import { StreamersonError } from '../errors.js';

/** Who holds a lease, and its fencing epoch. */
export interface LeaseState {
  /** The holder, or null when nobody holds it (never taken, released, or expired). */
  readonly owner: string | null;
  /** The epoch of the latest acquisition; 0 when the lease was never taken. */
  readonly epoch: number;
  /** Milliseconds before the lease expires; 0 when nobody holds it. */
  readonly remainingMs: number;
}

/** The answer to {@link Fencing.acquireLease}: the lease as it is now, and whether the caller holds it. */
export interface LeaseGrant extends LeaseState {
  readonly acquired: boolean;
}

/** Entry ids of one stream to acknowledge for a group. */
export interface GroupAcks {
  readonly stream: string;
  readonly group: string;
  readonly ids: readonly string[];
}

/** Changes to one hash: fields set (a field set twice keeps the last value), then fields deleted. */
export interface HashWrite {
  readonly key: string;
  /** `[field, value]` pairs. */
  readonly set?: readonly (readonly [string, string | Buffer])[];
  readonly delete?: readonly string[];
}

/** One fenced write. Nothing in it is applied unless `owner` holds `lease` at `epoch`. */
export interface FencedWrite {
  /** The lease key. */
  readonly lease: string;
  readonly owner: string;
  readonly epoch: number;
  /** Appends, in order (no explicit ids). On a Cluster, in the lease's slot. */
  readonly appends?: readonly AppendItem[];
  /** Acknowledgements. On a Cluster, in the lease's slot. */
  readonly acks?: readonly GroupAcks[];
  /** Hash changes. On a Cluster, in the lease's slot. */
  readonly hashes?: readonly HashWrite[];
  /**
   * Appends to any stream (replies, typically with `noMkStream`), made only if
   * the fenced part was: in the same atomic step where the engine can span
   * every key (memory://, standalone Redis), else right after it (a Cluster).
   * A failed follow-up (a missing stream with `noMkStream`) fails nothing else.
   */
  readonly followUps?: readonly AppendItem[];
}

/** What a fenced write made. */
export interface FencedWriteResult {
  /** Entry ids of `appends`, in order (null where `noMkStream` found no stream). */
  readonly ids: readonly (string | null)[];
  /** The first failure of a follow-up, when one failed (the rest of the write stands). */
  readonly followUpError?: Error;
}

/** One page of {@link Fencing.hashScan}. */
export interface HashScanPage {
  /** Where the next page starts; `'0'` when the scan is complete. */
  readonly cursor: string;
  /** `[field, value]` pairs; a field may appear on two pages (as HSCAN allows), never on none. */
  readonly entries: readonly (readonly [string, Buffer])[];
}

/** The fencing capability of an engine. See the module comment. */
export interface Fencing {
  /**
   * Whether a fenced write's `followUps` are part of its atomic step (true on
   * `memory://`, `file://` and a standalone Redis server); false where they are
   * appended right after it (a Redis Cluster: a crash in between loses them).
   */
  readonly followUpsAtomic: boolean;
  /**
   * Takes the lease for `ttlMs` unless another owner holds it. A holder asking
   * again renews it at the same epoch; any other acquisition raises the epoch.
   */
  acquireLease(lease: string, owner: string, ttlMs: number): Promise<LeaseGrant>;
  /** Extends the lease by `ttlMs` if `owner` still holds it at `epoch` (even past its time, if nobody took it since). */
  renewLease(lease: string, owner: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a hand-off: the next acquirer need not wait for it to expire). */
  releaseLease(lease: string, owner: string, epoch: number): Promise<boolean>;
  leaseState(lease: string): Promise<LeaseState>;
  /**
   * Applies `write` atomically if its owner holds the lease at its epoch; else
   * rejects with {@link FencedError} and nothing is written. An expired lease
   * that nobody took since still lets its holder write.
   */
  fencedWrite(write: FencedWrite): Promise<FencedWriteResult>;
  /** Values of hash fields, null for a missing field or hash. */
  hashGet(key: string, fields: readonly string[]): Promise<(Buffer | null)[]>;
  /** One page of a hash's fields, about `count` of them, from `cursor` (`'0'` to begin). */
  hashScan(key: string, cursor: string, count: number): Promise<HashScanPage>;
  /** Number of fields; 0 for a missing hash. */
  hashLength(key: string): Promise<number>;
  /** Deletes a hash; resolves whether it existed. */
  hashDelete(key: string): Promise<boolean>;
}

/** A fenced write refused: the writer no longer holds the lease at its epoch. */
export class FencedError extends StreamersonError {
  override readonly name = 'FencedError';
  /** The lease as the engine saw it when it refused the write. */
  readonly current: { readonly owner: string | null; readonly epoch: number };

  constructor(lease: string, epoch: number, current: { readonly owner: string | null; readonly epoch: number }) {
    super(
      'ERR_STREAMERSON_FENCED',
      `lease "${lease}" is no longer held at epoch ${epoch} (now ${current.owner === null ? 'free' : `held by "${current.owner}"`} at epoch ${current.epoch}); nothing was written`,
    );
    this.current = current;
  }
}

/** Whether an engine offers {@link Fencing}. */
export function hasFencing(engine: Engine): engine is Engine & Fencing {
  return typeof (engine as Partial<Fencing>).fencedWrite === 'function';
}

/** The engine as {@link Fencing}, or `ERR_STREAMERSON_UNSUPPORTED` naming what needed it. */
export function requireFencing(engine: Engine, what: string): Engine & Fencing {
  if (!hasFencing(engine)) {
    throw new StreamersonError('ERR_STREAMERSON_UNSUPPORTED', `${what} needs fenced writes, which the engine ${engine.url} does not offer`);
  }
  return engine;
}
