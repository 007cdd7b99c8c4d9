/**
 * Leases, fenced writes and hashes of the `memory://` engine: the same rules
 * as the Lua scripts of the Redis engine, each operation one synchronous step.
 */
import type { FencedWrite, FencedWriteResult, HashScanPage, LeaseGrant, LeaseState } from '../engine/fencing.js';
import { FencedError } from '../engine/fencing.js';
import { InvalidOptionError } from '../errors.js';
import { intOption } from '../options.js';
import { ackEntries } from './group-ops.js';
import type { MemoryStore } from './memory-store.js';
import { parseRetention } from './options.js';
import { appendEntry } from './stream-ops.js';
import { packFields } from './stored-entry.js';

/** A lease as kept by a store. */
export interface MemoryLease {
  owner: string;
  epoch: number;
  /** Unix ms when it expires; 0 once released. */
  until: number;
}

/** Checks a lease operation's lease, owner and (when given) epoch. */
export function checkLease(lease: unknown, owner: unknown, epoch?: unknown): void {
  if (typeof lease !== 'string' || lease === '') throw new InvalidOptionError('lease', 'expected a non-empty string');
  if (typeof owner !== 'string' || owner === '') throw new InvalidOptionError('owner', 'expected a non-empty string');
  if (epoch !== undefined) intOption(epoch, 'epoch', 0, 1);
}

function held(l: MemoryLease | undefined, now: number): boolean {
  return l !== undefined && l.owner !== '' && l.until > now;
}

export function leaseState(store: MemoryStore, lease: string): LeaseState {
  const l = store.leases.get(lease);
  const now = Date.now();
  if (l === undefined) return { owner: null, epoch: 0, remainingMs: 0 };
  return held(l, now) ? { owner: l.owner, epoch: l.epoch, remainingMs: l.until - now } : { owner: null, epoch: l.epoch, remainingMs: 0 };
}

export function acquireLease(store: MemoryStore, lease: string, owner: string, ttlMs: number): LeaseGrant {
  checkLease(lease, owner);
  intOption(ttlMs, 'ttlMs', 0, 1);
  const now = Date.now();
  const l = store.leases.get(lease);
  if (l !== undefined && held(l, now) && l.owner !== owner) {
    return { acquired: false, owner: l.owner, epoch: l.epoch, remainingMs: l.until - now };
  }
  const renew = l !== undefined && held(l, now) && l.owner === owner;
  const epoch = renew ? l.epoch : (l?.epoch ?? 0) + 1;
  store.leases.set(lease, { owner, epoch, until: now + ttlMs });
  return { acquired: true, owner, epoch, remainingMs: ttlMs };
}

/** Whether `owner` holds the lease at `epoch`: the rule of every fenced operation. */
function holds(l: MemoryLease | undefined, owner: string, epoch: number): l is MemoryLease {
  return l !== undefined && l.owner === owner && l.epoch === epoch;
}

export function renewLease(store: MemoryStore, lease: string, owner: string, epoch: number, ttlMs: number): boolean {
  checkLease(lease, owner, epoch);
  intOption(ttlMs, 'ttlMs', 0, 1);
  const l = store.leases.get(lease);
  if (!holds(l, owner, epoch)) return false;
  l.until = Date.now() + ttlMs;
  return true;
}

export function releaseLease(store: MemoryStore, lease: string, owner: string, epoch: number): boolean {
  checkLease(lease, owner, epoch);
  const l = store.leases.get(lease);
  if (!holds(l, owner, epoch)) return false;
  l.owner = '';
  l.until = 0;
  return true;
}

/** Checks every part of a write before anything is applied, so that a bad item never leaves half a write. */
export function validateFencedWrite(write: FencedWrite): void {
  if (write === null || typeof write !== 'object') throw new InvalidOptionError('write', 'expected a fenced write');
  checkLease(write.lease, write.owner, write.epoch);
  for (const [name, items] of [
    ['appends', write.appends],
    ['followUps', write.followUps],
  ] as const) {
    if (items === undefined) continue;
    if (!Array.isArray(items)) throw new InvalidOptionError(name, 'expected an array');
    items.forEach((item, i) => {
      if (typeof item?.stream !== 'string') throw new InvalidOptionError(`${name}[${i}].stream`, 'expected a string');
      if (item.id !== undefined) throw new InvalidOptionError(`${name}[${i}].id`, 'fenced appends take generated ids');
      if (item.retention !== undefined) parseRetention(item.retention, `${name}[${i}].retention`);
      packFields(item.fields);
    });
  }
  if (write.acks !== undefined && !Array.isArray(write.acks)) throw new InvalidOptionError('acks', 'expected an array');
  if (write.hashes !== undefined && !Array.isArray(write.hashes)) throw new InvalidOptionError('hashes', 'expected an array');
  write.hashes?.forEach((h, i) => {
    if (typeof h?.key !== 'string') throw new InvalidOptionError(`hashes[${i}].key`, 'expected a string');
  });
}

export function fencedWrite(store: MemoryStore, write: FencedWrite): FencedWriteResult {
  validateFencedWrite(write);
  const l = store.leases.get(write.lease);
  if (!holds(l, write.owner, write.epoch)) {
    const current = leaseState(store, write.lease);
    throw new FencedError(write.lease, write.epoch, { owner: current.owner, epoch: current.epoch });
  }
  const ids: (string | null)[] = [];
  for (const item of write.appends ?? []) {
    const id = appendEntry(store, item.stream, item.fields, item);
    if (id !== null) store.waiters.notify(item.stream);
    ids.push(id);
  }
  for (const a of write.acks ?? []) if (a.ids.length > 0) ackEntries(store, a.stream, a.group, a.ids);
  for (const h of write.hashes ?? []) {
    let hash = store.hashes.get(h.key);
    if (hash === undefined) {
      hash = new Map();
      store.hashes.set(h.key, hash);
    }
    for (const [field, value] of h.set ?? []) hash.set(field, Buffer.from(value));
    for (const field of h.delete ?? []) hash.delete(field);
    if (hash.size === 0) store.hashes.delete(h.key);
  }
  let followUpError: Error | undefined;
  for (const item of write.followUps ?? []) {
    try {
      const id = appendEntry(store, item.stream, item.fields, item);
      if (id !== null) store.waiters.notify(item.stream);
    } catch (error) {
      followUpError ??= error as Error;
    }
  }
  return followUpError === undefined ? { ids } : { ids, followUpError };
}

export function hashGet(store: MemoryStore, key: string, fields: readonly string[]): (Buffer | null)[] {
  const hash = store.hashes.get(key);
  return fields.map((f) => hash?.get(f) ?? null);
}

/** Scans under way, at most this many: each holds a live iterator of its hash. */
const MAX_OPEN_SCANS = 64;

/**
 * One page of a hash. A cursor names a scan and how many fields it returned;
 * the scan keeps a live iterator of the hash (in insertion order: fields set
 * during the scan are returned at its end, deleted ones are skipped), so each
 * page costs its own size. A cursor whose scan was dropped (more than
 * {@link MAX_OPEN_SCANS} at once) resumes by skipping the fields returned.
 */
export function hashScan(store: MemoryStore, key: string, cursor: string, count: number): HashScanPage {
  intOption(count, 'count', 0, 1);
  const match = /^(?:0|(\d+):(\d+))$/.exec(typeof cursor === 'string' ? cursor : '');
  if (match === null) throw new InvalidOptionError('cursor', `expected "0" or a cursor from an earlier page, got ${JSON.stringify(cursor)}`);
  const hash = store.hashes.get(key);
  if (hash === undefined) return { cursor: '0', entries: [] };
  const scanId = match[1] === undefined ? ++store.scanSeq : Number(match[1]);
  const returned = match[2] === undefined ? 0 : Number(match[2]);
  let scan = store.scans.get(scanId);
  store.scans.delete(scanId);
  if (scan === undefined || scan.hash !== hash || scan.returned !== returned) {
    const iterator = hash.entries();
    for (let i = 0; i < returned && !iterator.next().done; i++);
    scan = { hash, iterator, returned };
  }
  const entries: [string, Buffer][] = [];
  let done = false;
  while (entries.length < count) {
    const next = scan.iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    entries.push(next.value);
  }
  if (done) return { cursor: '0', entries };
  scan.returned += entries.length;
  store.scans.set(scanId, scan);
  if (store.scans.size > MAX_OPEN_SCANS) store.scans.delete(store.scans.keys().next().value!);
  return { cursor: `${scanId}:${scan.returned}`, entries };
}
