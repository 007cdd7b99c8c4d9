/** Options of a `Processor`: defaults and one parser. */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from '@streamerson/core';
import { boolOption, intOption, optionKeys, optionsObject, stringOption } from '@streamerson/core/internal';
import { DEFAULT_DEAD_LETTER_MAX_LEN } from '@streamerson/service';

/** How long an instance's lease on an input shard lasts without renewal: a dead instance's shards are taken over within it. */
export const DEFAULT_PROCESSOR_LEASE_TTL_MS = 5_000;
/** Input entries processed and stored per fenced write, at most. */
export const DEFAULT_PROCESSOR_BATCH_SIZE = 256;
/** Longest wait of a blocking read (bounds how fast an instance stops). */
export const DEFAULT_PROCESSOR_BLOCK_MS = 1_000;
/** How often entries that another instance read and never stored are claimed. */
export const DEFAULT_PROCESSOR_CLAIM_INTERVAL_MS = 1_000;
/** Attempts of a handler that throws, in place (the key's later messages wait), before the entry is dead-lettered. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Keys whose state an instance keeps in memory per input shard; others are read from the state hash when needed. */
export const DEFAULT_PROCESSOR_MAX_KEYS = 100_000;
/** Controller log entries (batches) kept per input shard, about. */
export const DEFAULT_LOG_MAX_LEN = 100_000;
/** Entries kept per output stream, about (`MAXLEN ~` on each output); 0: none. */
export const DEFAULT_OUTPUT_MAX_LEN = 1_000_000;
/**
 * Where outputs cannot be in the batch's atomic step (a Redis Cluster), how
 * long the idempotent append remembers an output's message id: an input
 * redelivered within it never duplicates its outputs.
 */
export const DEFAULT_OUTPUT_DEDUPE_WINDOW_MS = 3_600_000;

/** Options of a `Processor`. */
export interface ProcessorOptions {
  /** The instance's name: its lease owner and consumer name; default `<hostname>-<pid>-<random>`. Unique per process. */
  readonly id?: string;
  /** Input shards (positions among every input stream, topics in order) this instance may take; default all. */
  readonly shards?: readonly number[];
  /** Most input shards it holds at once; default all it may take. */
  readonly maxShards?: number;
  readonly leaseTtlMs?: number;
  /** How often leases are renewed and free shards looked for; default a third of `leaseTtlMs`. */
  readonly renewIntervalMs?: number;
  readonly batchSize?: number;
  readonly blockMs?: number;
  readonly claimIntervalMs?: number;
  readonly maxAttempts?: number;
  readonly maxKeys?: number;
  readonly logMaxLen?: number;
  readonly outputMaxLen?: number;
  readonly deadLetterMaxLen?: number;
  readonly outputDedupeWindowMs?: number;
  /** Announce the instance in the registry (kind `processor`); default true. */
  readonly announce?: boolean;
}

export interface ProcessorConfig {
  readonly id: string;
  readonly shards: readonly number[];
  readonly maxShards: number;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly claimIntervalMs: number;
  readonly maxAttempts: number;
  readonly maxKeys: number;
  readonly logMaxLen: number;
  readonly outputMaxLen: number;
  readonly deadLetterMaxLen: number;
  readonly outputDedupeWindowMs: number;
  readonly announce: boolean;
}

const KEYS = optionKeys<ProcessorOptions>({
  id: true, shards: true, maxShards: true, leaseTtlMs: true, renewIntervalMs: true, batchSize: true, blockMs: true, claimIntervalMs: true,
  maxAttempts: true, maxKeys: true, logMaxLen: true, outputMaxLen: true, deadLetterMaxLen: true, outputDedupeWindowMs: true, announce: true,
});

/** `inputShards`: how many input streams the processor has. */
export function parseProcessorOptions(options: unknown, inputShards: number): ProcessorConfig {
  const o = optionsObject(options ?? {}, KEYS);
  let shards: readonly number[] = Array.from({ length: inputShards }, (_, i) => i);
  if (o['shards'] !== undefined) {
    const value = o['shards'];
    if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError('shards', 'expected a non-empty array of input shard numbers');
    shards = value.map((s, i) => intOption(s, `shards[${i}]`, 0, 0, inputShards - 1));
    if (new Set(shards).size !== shards.length) throw new InvalidOptionError('shards', 'a shard is listed twice');
  }
  const leaseTtlMs = intOption(o['leaseTtlMs'], 'leaseTtlMs', DEFAULT_PROCESSOR_LEASE_TTL_MS, 100);
  return Object.freeze({
    id: stringOption(o['id'], 'id', `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`),
    shards: Object.freeze([...shards]),
    maxShards: intOption(o['maxShards'], 'maxShards', shards.length, 1),
    leaseTtlMs,
    renewIntervalMs: intOption(o['renewIntervalMs'], 'renewIntervalMs', Math.max(1, Math.floor(leaseTtlMs / 3)), 1, leaseTtlMs - 1),
    batchSize: intOption(o['batchSize'], 'batchSize', DEFAULT_PROCESSOR_BATCH_SIZE, 1, 10_000),
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_PROCESSOR_BLOCK_MS, 1),
    claimIntervalMs: intOption(o['claimIntervalMs'], 'claimIntervalMs', DEFAULT_PROCESSOR_CLAIM_INTERVAL_MS, 1),
    maxAttempts: intOption(o['maxAttempts'], 'maxAttempts', DEFAULT_MAX_ATTEMPTS, 1, 100),
    maxKeys: intOption(o['maxKeys'], 'maxKeys', DEFAULT_PROCESSOR_MAX_KEYS, 1),
    logMaxLen: intOption(o['logMaxLen'], 'logMaxLen', DEFAULT_LOG_MAX_LEN, 1),
    outputMaxLen: intOption(o['outputMaxLen'], 'outputMaxLen', DEFAULT_OUTPUT_MAX_LEN, 0),
    deadLetterMaxLen: intOption(o['deadLetterMaxLen'], 'deadLetterMaxLen', DEFAULT_DEAD_LETTER_MAX_LEN, 0),
    outputDedupeWindowMs: intOption(o['outputDedupeWindowMs'], 'outputDedupeWindowMs', DEFAULT_OUTPUT_DEDUPE_WINDOW_MS, 1),
    announce: boolOption(o['announce'], 'announce', true),
  });
}
