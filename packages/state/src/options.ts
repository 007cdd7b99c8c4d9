/** Options of writers, readers and machine clients: defaults and one parser each. */
import { InvalidOptionError } from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import type { Client } from '@streamerson/service';
import { LEASE_OPTION_KEYS, parseLeaseOptions, shardListOption, type LeaseConfig, type LeaseOptions } from '@streamerson/processor/runtime';
import type { MachineRef } from './machine.js';

/** Longest key (entity id) accepted, in characters. */
export const MAX_KEY_LENGTH = 1_024;

/** How long a writer's lease lasts without renewal: a dead writer's shards are taken over within it. */
export const DEFAULT_LEASE_TTL_MS = 5_000;
/** Commands decided and stored per fenced write, at most. */
export const DEFAULT_BATCH_SIZE = 256;
/** Longest wait of a writer's or reader's blocking read (bounds how fast they stop). */
export const DEFAULT_STATE_BLOCK_MS = 1_000;
/** A snapshot is written after this many changes… */
export const DEFAULT_SNAPSHOT_EVERY = 10_000;
/** …or this long after the last one, if anything changed. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 30_000;
/** Keys of one shard a writer keeps in memory; clean keys beyond it are evicted and reloaded from the snapshot. */
export const DEFAULT_MAX_KEYS = 1_000_000;
/** How long a command id is remembered, so that a retry with the same id is answered instead of applied again… */
export const DEFAULT_DEDUPE_WINDOW_MS = 60_000;
/** …and how many command ids per shard, at most. */
export const DEFAULT_MAX_DEDUPE = 100_000;
/** How often a writer claims commands that a fenced or dead writer read and never stored. */
export const DEFAULT_CLAIM_INTERVAL_MS = 1_000;
/** Emitted commands waiting to be forwarded, per shard, before the writer waits for its relay. */
export const DEFAULT_RELAY_MAX_PENDING = 10_000;
/** Changelog entries read per page (recovery, readers). */
export const DEFAULT_READ_COUNT = 1_000;
/** How often a reader checks that the changelog was not trimmed past its position. */
export const DEFAULT_TRIM_CHECK_INTERVAL_MS = 5_000;
/** Changes buffered per watcher before it is dropped as too slow. */
export const DEFAULT_WATCH_BUFFER = 1_000;
/** Longest wait of a `minVersion` read. */
export const DEFAULT_MIN_VERSION_TIMEOUT_MS = 5_000;
/** Reply deadline of a command. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** How long a client trusts that a shard has (or has no) writer before it asks again. */
export const DEFAULT_LEASE_CHECK_MS = 1_000;

/** Options of a `StateWriter`. */
export interface StateWriterOptions extends LeaseOptions {
  readonly batchSize?: number;
  readonly blockMs?: number;
  readonly snapshotEvery?: number;
  readonly snapshotIntervalMs?: number;
  readonly maxKeys?: number;
  readonly dedupeWindowMs?: number;
  readonly maxDedupe?: number;
  /** How long changelog entries are kept at least (for `history` and lagging readers); default and minimum `dedupeWindowMs`. */
  readonly changelogRetentionMs?: number;
  readonly claimIntervalMs?: number;
  readonly relayMaxPending?: number;
}

export interface StateWriterConfig extends LeaseConfig {
  readonly batchSize: number;
  readonly blockMs: number;
  readonly snapshotEvery: number;
  readonly snapshotIntervalMs: number;
  readonly maxKeys: number;
  readonly dedupeWindowMs: number;
  readonly maxDedupe: number;
  readonly changelogRetentionMs: number;
  readonly claimIntervalMs: number;
  readonly relayMaxPending: number;
}

const WRITER_KEYS = optionKeys<StateWriterOptions>({
  ...LEASE_OPTION_KEYS,
  batchSize: true,
  blockMs: true,
  snapshotEvery: true,
  snapshotIntervalMs: true,
  maxKeys: true,
  dedupeWindowMs: true,
  maxDedupe: true,
  changelogRetentionMs: true,
  claimIntervalMs: true,
  relayMaxPending: true,
});

export function parseWriterOptions(options: unknown, machine: MachineRef): StateWriterConfig {
  const o = optionsObject(options ?? {}, WRITER_KEYS);
  const dedupeWindowMs = intOption(o['dedupeWindowMs'], 'dedupeWindowMs', DEFAULT_DEDUPE_WINDOW_MS, 1);
  return Object.freeze({
    ...parseLeaseOptions(o, machine.shards, DEFAULT_LEASE_TTL_MS),
    batchSize: intOption(o['batchSize'], 'batchSize', DEFAULT_BATCH_SIZE, 1, 10_000),
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_STATE_BLOCK_MS, 1),
    snapshotEvery: intOption(o['snapshotEvery'], 'snapshotEvery', DEFAULT_SNAPSHOT_EVERY, 1),
    snapshotIntervalMs: intOption(o['snapshotIntervalMs'], 'snapshotIntervalMs', DEFAULT_SNAPSHOT_INTERVAL_MS, 1),
    maxKeys: intOption(o['maxKeys'], 'maxKeys', DEFAULT_MAX_KEYS, 1),
    dedupeWindowMs,
    maxDedupe: intOption(o['maxDedupe'], 'maxDedupe', DEFAULT_MAX_DEDUPE, 1),
    changelogRetentionMs: intOption(o['changelogRetentionMs'], 'changelogRetentionMs', dedupeWindowMs, dedupeWindowMs),
    claimIntervalMs: intOption(o['claimIntervalMs'], 'claimIntervalMs', DEFAULT_CLAIM_INTERVAL_MS, 1),
    relayMaxPending: intOption(o['relayMaxPending'], 'relayMaxPending', DEFAULT_RELAY_MAX_PENDING, 1),
  });
}

/** Options of a `StateReader`. */
export interface StateReaderOptions {
  /** Shards to follow; default all. */
  readonly shards?: readonly number[];
  readonly blockMs?: number;
  readonly readCount?: number;
  readonly trimCheckIntervalMs?: number;
  readonly watchBuffer?: number;
  readonly minVersionTimeoutMs?: number;
}

export interface StateReaderConfig {
  readonly shards: readonly number[];
  readonly blockMs: number;
  readonly readCount: number;
  readonly trimCheckIntervalMs: number;
  readonly watchBuffer: number;
  readonly minVersionTimeoutMs: number;
}

const READER_KEYS = optionKeys<StateReaderOptions>({
  shards: true,
  blockMs: true,
  readCount: true,
  trimCheckIntervalMs: true,
  watchBuffer: true,
  minVersionTimeoutMs: true,
});

export function parseReaderOptions(options: unknown, machine: MachineRef): StateReaderConfig {
  const o = optionsObject(options ?? {}, READER_KEYS);
  return Object.freeze({
    shards: shardListOption(o['shards'], machine.shards),
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_STATE_BLOCK_MS, 1),
    readCount: intOption(o['readCount'], 'readCount', DEFAULT_READ_COUNT, 1),
    trimCheckIntervalMs: intOption(o['trimCheckIntervalMs'], 'trimCheckIntervalMs', DEFAULT_TRIM_CHECK_INTERVAL_MS, 1),
    watchBuffer: intOption(o['watchBuffer'], 'watchBuffer', DEFAULT_WATCH_BUFFER, 1),
    minVersionTimeoutMs: intOption(o['minVersionTimeoutMs'], 'minVersionTimeoutMs', DEFAULT_MIN_VERSION_TIMEOUT_MS, 1),
  });
}

/** Options of a `MachineClient`. */
export interface MachineClientOptions {
  /** A request/reply client to send through (the gateway's, say); default one of its own, closed with it. */
  readonly client?: Client;
  /** Reply deadline of a command; default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  readonly timeout?: number;
  readonly leaseCheckMs?: number;
}

export interface MachineClientConfig {
  readonly client: Client | undefined;
  readonly timeout: number;
  readonly leaseCheckMs: number;
}

const CLIENT_KEYS = optionKeys<MachineClientOptions>({ client: true, timeout: true, leaseCheckMs: true });

export function parseMachineClientOptions(options: unknown): MachineClientConfig {
  const o = optionsObject(options ?? {}, CLIENT_KEYS);
  const client = o['client'];
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof (client as Client).request !== 'function')) {
    throw new InvalidOptionError('client', 'expected a Client of @streamerson/service');
  }
  return Object.freeze({
    client: client as Client | undefined,
    timeout: intOption(o['timeout'], 'timeout', DEFAULT_COMMAND_TIMEOUT_MS, 1),
    leaseCheckMs: intOption(o['leaseCheckMs'], 'leaseCheckMs', DEFAULT_LEASE_CHECK_MS, 0),
  });
}
