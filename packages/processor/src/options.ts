/** Options of a `Processor`: defaults and one parser. */
import { boolOption, intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { DEFAULT_DEAD_LETTER_MAX_LEN } from '@streamerson/service';
import { LEASE_OPTION_KEYS, parseLeaseOptions, type LeaseConfig, type LeaseOptions } from './runtime/lease-options.js';

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
export interface ProcessorOptions extends LeaseOptions {
  /** Input shards (positions among every input stream, topics in order) this instance may take; default all. */
  readonly shards?: readonly number[];
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

export interface ProcessorConfig extends LeaseConfig {
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
  ...LEASE_OPTION_KEYS,
  batchSize: true,
  blockMs: true,
  claimIntervalMs: true,
  maxAttempts: true,
  maxKeys: true,
  logMaxLen: true,
  outputMaxLen: true,
  deadLetterMaxLen: true,
  outputDedupeWindowMs: true,
  announce: true,
});

/** `inputShards`: how many input streams the processor has. */
export function parseProcessorOptions(options: unknown, inputShards: number): ProcessorConfig {
  const o = optionsObject(options ?? {}, KEYS);
  return Object.freeze({
    ...parseLeaseOptions(o, inputShards, DEFAULT_PROCESSOR_LEASE_TTL_MS),
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
