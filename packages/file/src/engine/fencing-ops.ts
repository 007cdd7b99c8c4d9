/**
 * Leases, fenced writes and hashes of the `file://` engine: the rules of the
 * `memory://` engine and the Redis scripts, each operation one transaction.
 */
import {
  FencedError,
  InvalidOptionError,
  type FencedWrite,
  type FencedWriteResult,
  type HashScanPage,
  type LeaseGrant,
  type LeaseState,
} from '@streamerson/core';
import { intOption } from '@streamerson/core/internal';
import { ackEntries } from './group-ops.js';
import type { FileStore } from './store.js';
import { appendEntry } from './stream-ops.js';

/** A row of the leases table; `owner` is `''` and `until` 0 once released. */
interface LeaseRow {
  readonly owner: string;
  readonly epoch: number;
  readonly until: number;
}

function getLease(store: FileStore, lease: string): LeaseRow | undefined {
  return store.sql('SELECT owner, epoch, until FROM leases WHERE name = ?').get(lease) as LeaseRow | undefined;
}

function held(l: LeaseRow | undefined, now: number): boolean {
  return l !== undefined && l.owner !== '' && l.until > now;
}

/** Whether `owner` holds the lease at `epoch`: the rule of every fenced operation. */
function holds(l: LeaseRow | undefined, owner: string, epoch: number): l is LeaseRow {
  return l !== undefined && l.owner === owner && l.epoch === epoch;
}

function putLease(store: FileStore, lease: string, owner: string, epoch: number, until: number): void {
  store
    .sql(
      'INSERT INTO leases (name, owner, epoch, until) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, epoch = excluded.epoch, until = excluded.until',
    )
    .run(lease, owner, epoch, until);
}

export function leaseState(store: FileStore, lease: string): LeaseState {
  const l = getLease(store, lease);
  const now = Date.now();
  if (l === undefined) return { owner: null, epoch: 0, remainingMs: 0 };
  return held(l, now) ? { owner: l.owner, epoch: l.epoch, remainingMs: l.until - now } : { owner: null, epoch: l.epoch, remainingMs: 0 };
}

/** Inside a write transaction. */
export function acquireLease(store: FileStore, lease: string, owner: string, ttlMs: number): LeaseGrant {
  const now = Date.now();
  const l = getLease(store, lease);
  if (l !== undefined && held(l, now) && l.owner !== owner) return { acquired: false, owner: l.owner, epoch: l.epoch, remainingMs: l.until - now };
  const epoch = l !== undefined && held(l, now) && l.owner === owner ? l.epoch : (l?.epoch ?? 0) + 1;
  putLease(store, lease, owner, epoch, now + ttlMs);
  return { acquired: true, owner, epoch, remainingMs: ttlMs };
}

/** Inside a write transaction. */
export function renewLease(store: FileStore, lease: string, owner: string, epoch: number, ttlMs: number): boolean {
  if (!holds(getLease(store, lease), owner, epoch)) return false;
  putLease(store, lease, owner, epoch, Date.now() + ttlMs);
  return true;
}

/** Inside a write transaction. */
export function releaseLease(store: FileStore, lease: string, owner: string, epoch: number): boolean {
  if (!holds(getLease(store, lease), owner, epoch)) return false;
  putLease(store, lease, '', epoch, 0);
  return true;
}

/** Inside a write transaction; the write was checked with `validateFencedWrite`. */
export function fencedWrite(store: FileStore, write: FencedWrite): FencedWriteResult {
  if (!holds(getLease(store, write.lease), write.owner, write.epoch)) {
    const current = leaseState(store, write.lease);
    throw new FencedError(write.lease, write.epoch, { owner: current.owner, epoch: current.epoch });
  }
  const ids = (write.appends ?? []).map((item) => appendEntry(store, item.stream, item.fields, item));
  for (const a of write.acks ?? []) if (a.ids.length > 0) ackEntries(store, a.stream, a.group, a.ids);
  const set = store.sql('INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) ON CONFLICT (key, field) DO UPDATE SET value = excluded.value');
  const drop = store.sql('DELETE FROM hashes WHERE key = ? AND field = ?');
  for (const h of write.hashes ?? []) {
    for (const [field, value] of h.set ?? []) set.run(h.key, field, typeof value === 'string' ? Buffer.from(value) : value);
    for (const field of h.delete ?? []) drop.run(h.key, field);
  }
  let followUpError: Error | undefined;
  for (const item of write.followUps ?? []) {
    try {
      appendEntry(store, item.stream, item.fields, item);
    } catch (error) {
      followUpError ??= error as Error;
    }
  }
  return followUpError === undefined ? { ids } : { ids, followUpError };
}

export function hashGet(store: FileStore, key: string, fields: readonly string[]): (Buffer | null)[] {
  const get = store.sql('SELECT value FROM hashes WHERE key = ? AND field = ?').pluck();
  return fields.map((f) => (get.get(key, f) as Buffer | undefined) ?? null);
}

/**
 * One page of a hash in field order. The cursor is the last field returned
 * (`f` and its base64url), so a page starts after it: fields set during a scan
 * are returned when they sort after it, deleted ones are skipped, none twice.
 */
export function hashScan(store: FileStore, key: string, cursor: string, count: number): HashScanPage {
  intOption(count, 'count', 0, 1);
  const match = /^(?:0|f([A-Za-z0-9_-]*))$/.exec(typeof cursor === 'string' ? cursor : '');
  if (match === null) throw new InvalidOptionError('cursor', `expected "0" or a cursor from an earlier page, got ${JSON.stringify(cursor)}`);
  const after = match[1] === undefined ? undefined : Buffer.from(match[1], 'base64url').toString('utf8');
  const rows = (
    after === undefined
      ? store
          .sql('SELECT field, value FROM hashes WHERE key = ? ORDER BY field LIMIT +?')
          .raw()
          .all(key, count + 1)
      : store
          .sql('SELECT field, value FROM hashes WHERE key = ? AND field > ? ORDER BY field LIMIT +?')
          .raw()
          .all(key, after, count + 1)
  ) as [string, Buffer][];
  if (rows.length <= count) return { cursor: '0', entries: rows };
  const entries = rows.slice(0, count);
  return { cursor: `f${Buffer.from(entries[entries.length - 1]![0]).toString('base64url')}`, entries };
}

export function hashLength(store: FileStore, key: string): number {
  return store.sql('SELECT count(*) FROM hashes WHERE key = ?').pluck().get(key) as number;
}

/** Inside a write transaction. */
export function hashDelete(store: FileStore, key: string): boolean {
  return store.sql('DELETE FROM hashes WHERE key = ?').run(key).changes > 0;
}
