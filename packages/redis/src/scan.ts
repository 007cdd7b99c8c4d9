import type { Redis } from 'ioredis';
import { escapeGlob } from './commands.js';

/** Keys asked for per SCAN round trip. */
export const SCAN_COUNT = 1000;

/**
 * The smallest `limit` names of the streams whose key starts with `prefix`, over
 * every node given (the masters of a cluster), sorted. Memory stays bounded by
 * about twice `limit` however many keys match.
 */
export async function scanStreams(nodes: readonly Redis[], prefix: string, limit: number): Promise<string[]> {
  const match = `${escapeGlob(prefix)}*`;
  const names: string[] = [];
  const seen = new Set<string>();
  const keep = (): void => {
    names.sort();
    names.length = Math.min(names.length, limit);
    seen.clear();
    for (const n of names) seen.add(n);
  };
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = (await node.call('scan', [cursor, 'MATCH', match, 'COUNT', SCAN_COUNT, 'TYPE', 'stream'])) as [string, string[]];
      cursor = next;
      for (const key of keys) {
        // SCAN may return a key more than once.
        if (seen.has(key)) continue;
        seen.add(key);
        names.push(key);
      }
      if (names.length > 2 * limit) keep();
    } while (cursor !== '0');
  }
  keep();
  return names;
}
