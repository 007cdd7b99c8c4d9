import type { GroupReadOptions, GroupReadPosition, ReadOptions, ReadPosition, Retention } from '../engine/types.js';
import { InvalidOptionError } from '../errors.js';
import { intOption } from '../options.js';
import { parseId, type IdParts } from './ids.js';

/** Entries returned per stream by a read without `count`. */
export const DEFAULT_READ_COUNT = 100;

/** Streams returned by `listStreams` without `limit`. */
export const DEFAULT_LIST_LIMIT = 10_000;

/** Checks a duration in milliseconds (>= 0, finite). */
export function msOption(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(option, `expected a number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

/** Checks a stream, group or consumer name. */
export function nameOption(value: unknown, option: string): string {
  if (typeof value !== 'string') throw new InvalidOptionError(option, `expected a string, got ${typeof value}`);
  return value;
}

/** Checks a non-empty list. */
export function listOption<T>(value: readonly T[] | undefined, option: string): readonly T[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(option, 'expected a non-empty array');
  return value;
}

/** A blocking reader's read, checked: entries per stream, how long it blocks (undefined: it does not), its positions. */
export interface ReadArgs<P> {
  readonly count: number;
  readonly blockMs: number | undefined;
  readonly list: readonly P[];
}

/** Checks the arguments of a blocking reader's `read`. */
export function readArgs(positions: readonly ReadPosition[], options: ReadOptions): ReadArgs<ReadPosition> {
  const count = intOption(options.count, 'count', DEFAULT_READ_COUNT, 1);
  const blockMs = options.blockMs === undefined ? undefined : intOption(options.blockMs, 'blockMs', 0, 0);
  return { count, blockMs, list: listOption(positions, 'positions') };
}

/** Checks the arguments of a blocking reader's `readGroup`. */
export function groupReadArgs(
  group: string,
  consumer: string,
  positions: readonly GroupReadPosition[],
  options: GroupReadOptions,
): ReadArgs<GroupReadPosition> & { readonly noAck: boolean } {
  nameOption(group, 'group');
  nameOption(consumer, 'consumer');
  return { ...readArgs(positions, options), noAck: options.noAck === true };
}

/** A validated retention policy. Exact trimming also serves approximate requests (it keeps no more than asked). */
export type ParsedRetention =
  | { readonly kind: 'maxLen'; readonly maxLen: number; readonly limit: number }
  | { readonly kind: 'minId'; readonly minId: IdParts; readonly limit: number };

/** Validates a retention policy as XADD/XTRIM would. */
export function parseRetention(retention: Retention, option = 'retention'): ParsedRetention {
  if (retention === null || typeof retention !== 'object') throw new InvalidOptionError(option, 'expected { maxLen } or { minId }');
  const r = retention as { maxLen?: unknown; minId?: unknown; approximate?: unknown; limit?: unknown };
  if (r.approximate !== undefined && typeof r.approximate !== 'boolean') {
    throw new InvalidOptionError(`${option}.approximate`, 'expected a boolean');
  }
  const approximate = r.approximate !== false;
  if (r.limit !== undefined && !approximate) {
    throw new InvalidOptionError(`${option}.limit`, 'a limit needs approximate trimming');
  }
  // As in Redis, a limit of 0 means no limit.
  const limit = intOption(r.limit, `${option}.limit`, 0, 0) || Infinity;
  if ((r.maxLen === undefined) === (r.minId === undefined)) {
    throw new InvalidOptionError(option, 'expected exactly one of maxLen and minId');
  }
  if (r.maxLen !== undefined) return { kind: 'maxLen', maxLen: intOption(r.maxLen, `${option}.maxLen`, 0, 0), limit };
  return { kind: 'minId', minId: parseId(r.minId), limit };
}
