/**
 * `history(key)`: the changes of a key, read from its shard's changelog
 * newest first and returned oldest first. The changelog holds every key of
 * the shard, so the scan is bounded (`maxScan` entries); history reaches back
 * as far as the changelog's retention.
 */
import type { Engine } from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { decodeChange, type Change } from '../codec.js';
import type { ShardKeys } from '../names.js';

/** Changes returned by `history` without `limit`. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Changelog entries `history` reads at most without `maxScan`. */
export const DEFAULT_HISTORY_MAX_SCAN = 100_000;
const PAGE = 1_000;

/** Options of `history`. */
export interface HistoryOptions {
  /** The newest `limit` changes; default {@link DEFAULT_HISTORY_LIMIT}. */
  readonly limit?: number;
  /** Changelog entries read at most; default {@link DEFAULT_HISTORY_MAX_SCAN}. */
  readonly maxScan?: number;
}

const KEYS = optionKeys<HistoryOptions>({ limit: true, maxScan: true });

export async function history(engine: Engine, keys: ShardKeys, key: string, options: HistoryOptions): Promise<Change[]> {
  const o = optionsObject(options, KEYS);
  const limit = intOption(o['limit'], 'limit', DEFAULT_HISTORY_LIMIT, 1);
  const maxScan = intOption(o['maxScan'], 'maxScan', DEFAULT_HISTORY_MAX_SCAN, 1);
  const found: Change[] = [];
  let end = '+';
  let scanned = 0;
  while (found.length < limit && scanned < maxScan) {
    const page = await engine.revRange(keys.changelog, end, '-', Math.min(PAGE, maxScan - scanned));
    for (const entry of page) {
      const change = decodeChange(entry);
      if (change?.key === key) found.push(change);
      if (found.length >= limit) break;
    }
    scanned += page.length;
    if (page.length < PAGE) break;
    end = `(${page[page.length - 1]!.id}`;
  }
  return found.reverse();
}
