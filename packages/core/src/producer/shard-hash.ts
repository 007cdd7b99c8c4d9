/**
 * Key-based shard routing. The hash must be computable by producers in any
 * language, so it is plain FNV-1a 32-bit over the UTF-8 bytes of the key:
 *
 * ```
 * h = 0x811c9dc5
 * for each byte b of utf8(key): h = (h XOR b) * 0x01000193 mod 2^32
 * shard = h mod shards
 * ```
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit hash of the UTF-8 bytes of `key`, as an unsigned integer. */
export function fnv1a32(key: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The shard (`0 … shards - 1`) that messages with `key` go to: `fnv1a32(key) % shards`. */
export function shardForKey(key: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a32(key) % shards;
}
