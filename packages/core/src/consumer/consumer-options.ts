import { hostname } from 'node:os';
import { InvalidOptionError } from '../errors.js';
import { validateTopic } from '../keys.js';
import { boolOption, enumOption, functionOption, intOption, optionKeys, optionsObject, stringOption } from '../options.js';
import { isStreamId, previousStreamId, streamIdFromTime } from '../protocol/stream-id.js';
import { MAX_SHARDS } from '../producer/producer-options.js';
import type { ProtocolError } from '../errors.js';
import type { OffsetStore } from './offset-store.js';

/** Default size of a consumer's buffer: the most messages it holds unprocessed. With the refill at half, reads fetch about 128 entries: fewer round trips than the 100 of a typical hand-written loop, with one read always in flight. */
export const DEFAULT_PREFETCH = 256;
/** A consumer fetches more once its buffer is at or below this fraction of `prefetch`: a half keeps one read in flight while the user works through the other half, and makes each read fetch at least half of `prefetch` (fewer, larger reads than at three quarters). */
export const REFILL_THRESHOLD = 0.5;
/** Default longest blocking read, in ms. */
export const DEFAULT_BLOCK_MS = 5_000;
/** Default first retry delay after an engine error, in ms (then doubles, with jitter, up to {@link DEFAULT_RETRY_MAX_MS}; see `Backoff`). */
export const DEFAULT_RETRY_MIN_MS = 100;
/** Default longest retry delay after engine errors, in ms. */
export const DEFAULT_RETRY_MAX_MS = 5_000;
/** Default interval between offset commits, in ms. */
export const DEFAULT_OFFSET_COMMIT_MS = 1_000;
/** Default start of a newly created group: only entries appended after its creation. */
export const DEFAULT_GROUP_START = '$';

/**
 * Where a consumer reads:
 * - `latest`: entries appended after it starts (live tail);
 * - `from`: from {@link ConsumerOptions.from}, or after the stored offset;
 * - `group`: load-balanced with the other consumers of {@link ConsumerOptions.group}, at least once, with ack.
 */
export type ConsumerMode = 'latest' | 'from' | 'group';

/** Start of a `from` consumer: the beginning, an entry id (inclusive), a Date or a Unix time in ms (entries at or after it). */
export type FromPosition = 'beginning' | string | Date | number;

/** A hook for entries that do not follow the wire protocol; `ack` acknowledges the entry in group mode (does nothing otherwise). A hook that throws fails the consumer. */
export type BadEntryHandler = (error: ProtocolError, ack: () => Promise<void>) => void;

/** Options of a {@link Consumer}. */
export interface ConsumerOptions {
  /** Topic to read. Required. */
  readonly topic: string;
  /** Shards of the topic; default 1. All are read unless `assignedShards` is given. */
  readonly shards?: number;
  /** Read only these shards (`0 … shards - 1`). */
  readonly assignedShards?: readonly number[];
  /** Default: `group` when `group` is set, `from` when `from` or `offsetName` is set, else `latest`. */
  readonly mode?: ConsumerMode;
  /** `from` mode: where to start when no offset is stored; default `'beginning'`. */
  readonly from?: FromPosition;
  /**
   * `from` mode: name of a stored offset. The consumer saves its last processed
   * id per stream under `auxKey(stream, 'offset:' + name)` (an exact MAXLEN 1
   * stream in the stream's cluster slot) and resumes after it on restart.
   */
  readonly offsetName?: string;
  /** `from` mode: where offsets are kept instead of the engine. */
  readonly offsetStore?: OffsetStore;
  /** `from` mode: how often processed offsets are saved, in ms; default {@link DEFAULT_OFFSET_COMMIT_MS}. Also saved on close/drain. */
  readonly offsetCommitMs?: number;
  /** `group` mode: the consumer group (created when missing). */
  readonly group?: string;
  /**
   * `group` mode: this consumer's name; default `<hostname>-<pid>`. A consumer
   * re-reads its own pending entries on start, so give it a name that is stable
   * across restarts to recover them itself.
   */
  readonly consumer?: string;
  /** `group` mode: where a new group starts: `'$'` (default, new entries only), `'0'` (whole stream) or an id. */
  readonly startAt?: string;
  /** `group` mode: acknowledge each message once processed (see {@link Consumer}); default false. */
  readonly autoAck?: boolean;
  /** Most messages buffered unprocessed; default {@link DEFAULT_PREFETCH}. Must be at least the number of streams read. */
  readonly prefetch?: number;
  /** Longest blocking read, in ms; default {@link DEFAULT_BLOCK_MS}. */
  readonly blockMs?: number;
  /** First retry delay after an engine error; default {@link DEFAULT_RETRY_MIN_MS}. */
  readonly retryMinMs?: number;
  /** Longest retry delay; default {@link DEFAULT_RETRY_MAX_MS}. */
  readonly retryMaxMs?: number;
  /** Called for each entry that cannot be decoded, instead of the `'badEntry'` event. */
  readonly onBadEntry?: BadEntryHandler;
}

/** Parsed, frozen consumer options. */
export interface ConsumerConfig {
  readonly topic: string;
  readonly shards: number;
  readonly assignedShards: readonly number[];
  readonly mode: ConsumerMode;
  /** `from` mode: the exclusive start id resolved from `from`. */
  readonly fromAfter: string;
  readonly offsetName: string | undefined;
  readonly offsetStore: OffsetStore | undefined;
  readonly offsetCommitMs: number;
  readonly group: string;
  readonly consumer: string;
  readonly startAt: string;
  readonly autoAck: boolean;
  readonly prefetch: number;
  readonly blockMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly onBadEntry: BadEntryHandler | undefined;
}

/**
 * The exclusive read position just before `id`. Ids of a new millisecond step
 * back to the largest safe sequence of the previous one rather than 2^64 - 1:
 * no engine produces larger sequences, and the memory engine accepts only safe
 * integers.
 */
function justBefore(id: string): string {
  if (id === '0-0') return id;
  const previous = previousStreamId(id);
  return id.endsWith('-0') ? `${previous.slice(0, previous.indexOf('-'))}-${Number.MAX_SAFE_INTEGER}` : previous;
}

function resolveFrom(from: unknown): string {
  if (from === undefined || from === 'beginning') return '0-0';
  if (typeof from === 'string') {
    if (!isStreamId(from)) throw new InvalidOptionError('from', `expected "beginning", an entry id, a Date or a Unix time in ms, got ${JSON.stringify(from)}`);
    return justBefore(from);
  }
  if (typeof from === 'number' || from instanceof Date) {
    let id: string;
    try {
      id = streamIdFromTime(from);
    } catch (cause) {
      throw new InvalidOptionError('from', `expected a non-negative time, got ${String(from)}`, { cause });
    }
    return justBefore(id);
  }
  throw new InvalidOptionError('from', `expected "beginning", an entry id, a Date or a Unix time in ms, got ${typeof from}`);
}

function parseAssigned(value: unknown, shards: number): readonly number[] {
  if (value === undefined) return Object.freeze(Array.from({ length: shards }, (_, i) => i));
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError('assignedShards', 'expected a non-empty array of shard numbers');
  const seen = new Set<number>();
  for (const [i, s] of value.entries()) {
    intOption(s, `assignedShards[${i}]`, 0, 0, shards - 1);
    if (seen.has(s as number)) throw new InvalidOptionError(`assignedShards[${i}]`, `shard ${String(s)} is listed twice`);
    seen.add(s as number);
  }
  return Object.freeze([...seen]);
}

const CONSUMER_KEYS = optionKeys<ConsumerOptions>({
  topic: true,
  shards: true,
  assignedShards: true,
  mode: true,
  from: true,
  offsetName: true,
  offsetStore: true,
  offsetCommitMs: true,
  group: true,
  consumer: true,
  startAt: true,
  autoAck: true,
  prefetch: true,
  blockMs: true,
  retryMinMs: true,
  retryMaxMs: true,
  onBadEntry: true,
});

/** Validates consumer options once; the result is frozen. */
export function parseConsumerOptions(options: ConsumerOptions): ConsumerConfig {
  const o = optionsObject(options, CONSUMER_KEYS);
  const topic = validateTopic(o['topic']);
  const shards = intOption(o['shards'], 'shards', 1, 1, MAX_SHARDS);
  const assignedShards = parseAssigned(o['assignedShards'], shards);
  const inferred =
    o['group'] !== undefined ? 'group' : o['from'] !== undefined || o['offsetName'] !== undefined || o['offsetStore'] !== undefined ? 'from' : 'latest';
  const mode = enumOption<ConsumerMode>(o['mode'], 'mode', ['latest', 'from', 'group'], inferred);
  const group = stringOption(o['group'], 'group', '');
  if (mode === 'group' && !group) throw new InvalidOptionError('group', 'required in group mode');
  if (mode !== 'group' && group) throw new InvalidOptionError('group', `only allowed in group mode, not "${mode}"`);
  if (mode !== 'from') {
    for (const name of ['from', 'offsetName', 'offsetStore']) {
      if (o[name] !== undefined) throw new InvalidOptionError(name, `only allowed in "from" mode, not "${mode}"`);
    }
  }
  const offsetStore = o['offsetStore'];
  if (
    offsetStore !== undefined &&
    (typeof offsetStore !== 'object' ||
      offsetStore === null ||
      typeof (offsetStore as OffsetStore).load !== 'function' ||
      typeof (offsetStore as OffsetStore).save !== 'function')
  ) {
    throw new InvalidOptionError('offsetStore', 'expected an object with load() and save()');
  }
  const offsetName = o['offsetName'] === undefined ? undefined : stringOption(o['offsetName'], 'offsetName', '');
  const startAt = stringOption(o['startAt'], 'startAt', DEFAULT_GROUP_START);
  if (startAt !== '$' && startAt !== '0' && !isStreamId(startAt))
    throw new InvalidOptionError('startAt', `expected "$", "0" or an entry id, got ${JSON.stringify(startAt)}`);
  const prefetch = intOption(o['prefetch'], 'prefetch', Math.max(DEFAULT_PREFETCH, assignedShards.length), 1, 100_000);
  if (prefetch < assignedShards.length) throw new InvalidOptionError('prefetch', `must be at least the number of streams read (${assignedShards.length})`);
  const retryMinMs = intOption(o['retryMinMs'], 'retryMinMs', DEFAULT_RETRY_MIN_MS, 1);
  return Object.freeze({
    topic,
    shards,
    assignedShards,
    mode,
    fromAfter: mode === 'from' ? resolveFrom(o['from']) : '0-0',
    offsetName,
    offsetStore: offsetStore as OffsetStore | undefined,
    offsetCommitMs: intOption(o['offsetCommitMs'], 'offsetCommitMs', DEFAULT_OFFSET_COMMIT_MS, 1),
    group,
    consumer: stringOption(o['consumer'], 'consumer', `${hostname()}-${process.pid}`),
    startAt,
    autoAck: boolOption(o['autoAck'], 'autoAck', false),
    prefetch,
    blockMs: intOption(o['blockMs'], 'blockMs', DEFAULT_BLOCK_MS, 1),
    retryMinMs,
    retryMaxMs: intOption(o['retryMaxMs'], 'retryMaxMs', Math.max(DEFAULT_RETRY_MAX_MS, retryMinMs), retryMinMs),
    onBadEntry: functionOption<BadEntryHandler>(o['onBadEntry'], 'onBadEntry'),
  });
}
