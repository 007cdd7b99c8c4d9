import type { Retention } from '../engine/types.js';
import { InvalidOptionError } from '../errors.js';
import { validateTopic } from '../keys.js';
import { enumOption, intOption, optionKeys, optionsObject, stringOption } from '../options.js';

/** Default number of shards of a topic. */
export const DEFAULT_SHARDS = 1;
/** Most shards a topic may have. */
export const MAX_SHARDS = 1024;
/** Default delivery guarantee of a producer. */
export const DEFAULT_DURABILITY: Durability = 'acknowledged';
/** Default dedupe window of idempotent producers: 2 minutes. */
export const DEFAULT_DEDUPE_WINDOW_MS = 120_000;
/** Default most messages per `appendBatch` round trip. */
export const DEFAULT_MAX_BATCH = 256;
/** Default bound on queued plus in-flight messages of one producer. */
export const DEFAULT_MAX_PENDING = 10_000;
/** Default routing: by key when a message has one, else round-robin. */
export const DEFAULT_ROUTING: Routing = 'auto';

/**
 * How a producer waits for the engine:
 * - `acknowledged`: each receipt resolves once the entry is stored;
 * - `fire-and-forget`: entries are written the same way, but receipt promises
 *   never cause an unhandled rejection and failures are reported as `'error'`
 *   events (see {@link Producer.send});
 * - `idempotent`: every message carries a message id (generated when missing)
 *   and is appended at most once per stream within `dedupeWindowMs`.
 */
export type Durability = 'acknowledged' | 'fire-and-forget' | 'idempotent';

/**
 * How a message picks its shard:
 * - `auto`: `hash` when the message has a key, else `round-robin`;
 * - `hash`: FNV-1a 32 of the key, mod shards (a key is required);
 * - `round-robin`: shards in turn; keys are ignored.
 */
export type Routing = 'auto' | 'hash' | 'round-robin';

/** Options of a {@link Producer}. */
export interface ProducerOptions {
  /** Topic to write to (letters, digits and `_ . : / -`). Required. */
  readonly topic: string;
  /** Shards of the topic; default {@link DEFAULT_SHARDS}. Must match the consumers'. */
  readonly shards?: number;
  /** Default {@link DEFAULT_ROUTING}. */
  readonly routing?: Routing;
  /** Default {@link DEFAULT_DURABILITY}. */
  readonly durability?: Durability;
  /** Idempotent producers: how long a message id is remembered; default {@link DEFAULT_DEDUPE_WINDOW_MS}. */
  readonly dedupeWindowMs?: number;
  /** Trimming applied on every append; default none (the stream grows). */
  readonly retention?: Retention;
  /** Producer instance id written in each message; default `''` (saves bytes). */
  readonly source?: string;
  /** Most messages per round trip; default {@link DEFAULT_MAX_BATCH}. */
  readonly maxBatch?: number;
  /** Bound on queued plus in-flight messages; past it `send` rejects with `ERR_STREAMERSON_OVERLOAD`. Default {@link DEFAULT_MAX_PENDING}. */
  readonly maxPending?: number;
}

/** Parsed, frozen producer options. */
export interface ProducerConfig {
  readonly topic: string;
  readonly shards: number;
  readonly routing: Routing;
  readonly durability: Durability;
  readonly dedupeWindowMs: number;
  readonly retention: Retention | undefined;
  readonly source: string;
  readonly maxBatch: number;
  readonly maxPending: number;
}

const RETENTION_KEYS = ['maxLen', 'minId', 'approximate', 'limit'];
const PRODUCER_KEYS = optionKeys<ProducerOptions>({
  topic: true,
  shards: true,
  routing: true,
  durability: true,
  dedupeWindowMs: true,
  retention: true,
  source: true,
  maxBatch: true,
  maxPending: true,
});

/** Checks a retention policy; throws naming `retention.*`. */
export function parseRetention(value: unknown, name = 'retention'): Retention | undefined {
  if (value === undefined) return undefined;
  const r = optionsObject(value, RETENTION_KEYS, name);
  const approximate = r['approximate'];
  if (approximate !== undefined && typeof approximate !== 'boolean') {
    throw new InvalidOptionError(`${name}.approximate`, 'expected a boolean');
  }
  const limit = r['limit'] === undefined ? undefined : intOption(r['limit'], `${name}.limit`, 0, 0);
  const extra = { ...(approximate === undefined ? {} : { approximate }), ...(limit === undefined ? {} : { limit }) };
  if ('maxLen' in r) return Object.freeze({ maxLen: intOption(r['maxLen'], `${name}.maxLen`, 0, 0), ...extra });
  if ('minId' in r) return Object.freeze({ minId: stringOption(r['minId'], `${name}.minId`, ''), ...extra });
  throw new InvalidOptionError(name, 'expected { maxLen } or { minId }');
}

/** Validates producer options once; the result is frozen. */
export function parseProducerOptions(options: ProducerOptions): ProducerConfig {
  const o = optionsObject(options, PRODUCER_KEYS);
  const durability = enumOption<Durability>(o['durability'], 'durability', ['acknowledged', 'fire-and-forget', 'idempotent'], DEFAULT_DURABILITY);
  return Object.freeze({
    topic: validateTopic(o['topic']),
    shards: intOption(o['shards'], 'shards', DEFAULT_SHARDS, 1, MAX_SHARDS),
    routing: enumOption<Routing>(o['routing'], 'routing', ['auto', 'hash', 'round-robin'], DEFAULT_ROUTING),
    durability,
    dedupeWindowMs: intOption(o['dedupeWindowMs'], 'dedupeWindowMs', DEFAULT_DEDUPE_WINDOW_MS, 1),
    retention: parseRetention(o['retention']),
    source: stringOption(o['source'], 'source', '', true),
    maxBatch: intOption(o['maxBatch'], 'maxBatch', DEFAULT_MAX_BATCH, 1, 100_000),
    maxPending: intOption(o['maxPending'], 'maxPending', DEFAULT_MAX_PENDING, 1),
  });
}
