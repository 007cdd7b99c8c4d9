/**
 * The options every owner of shard leases takes — processors and state
 * machine writers alike — and their one parser: who the owner is, which
 * shards it may take, how many at once, and the lease's timing.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from '@streamerson/core';
import { intOption, stringOption } from '@streamerson/core/internal';

/** Shortest lease accepted, in ms. */
export const MIN_LEASE_TTL_MS = 100;

/** The lease options, as a caller gives them. */
export interface LeaseOptions {
  /** The owner's name: its lease owner and consumer name; default `<hostname>-<pid>-<random>`. Unique per process. */
  readonly id?: string;
  /** Shards this owner may take; default all. */
  readonly shards?: readonly number[];
  /** Most shards it holds at once; default all it may take. */
  readonly maxShards?: number;
  readonly leaseTtlMs?: number;
  /** How often leases are renewed and free shards looked for; default a third of `leaseTtlMs`. */
  readonly renewIntervalMs?: number;
}

/** The keys of {@link LeaseOptions}, for the key list of an options interface that extends it. */
export const LEASE_OPTION_KEYS = { id: true, shards: true, maxShards: true, leaseTtlMs: true, renewIntervalMs: true } as const satisfies {
  readonly [K in keyof Required<LeaseOptions>]: true;
};

/** The lease options, checked and with their defaults. */
export interface LeaseConfig {
  readonly id: string;
  readonly shards: readonly number[];
  readonly maxShards: number;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
}

/** A process-unique default owner id. */
export function defaultOwnerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** A non-empty list of distinct shard numbers below `count`, or all of them when `value` is undefined. */
export function shardListOption(value: unknown, count: number, option = 'shards'): readonly number[] {
  if (value === undefined) return Object.freeze(Array.from({ length: count }, (_, i) => i));
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(option, 'expected a non-empty array of shard numbers');
  const shards = value.map((s, i) => intOption(s, `${option}[${i}]`, 0, 0, count - 1));
  if (new Set(shards).size !== shards.length) throw new InvalidOptionError(option, 'a shard is listed twice');
  return Object.freeze(shards);
}

/** The lease options of `o` (an options object already checked for unknown keys), for `count` shards. */
export function parseLeaseOptions(o: Readonly<Record<string, unknown>>, count: number, defaultLeaseTtlMs: number): LeaseConfig {
  const shards = shardListOption(o['shards'], count);
  const leaseTtlMs = intOption(o['leaseTtlMs'], 'leaseTtlMs', defaultLeaseTtlMs, MIN_LEASE_TTL_MS);
  return {
    id: stringOption(o['id'], 'id', defaultOwnerId()),
    shards,
    maxShards: intOption(o['maxShards'], 'maxShards', shards.length, 1),
    leaseTtlMs,
    renewIntervalMs: intOption(o['renewIntervalMs'], 'renewIntervalMs', Math.max(1, Math.floor(leaseTtlMs / 3)), 1, leaseTtlMs - 1),
  };
}
