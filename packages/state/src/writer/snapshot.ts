/**
 * A snapshot of a shard: the states of the keys changed since the last one,
 * written into the shard's state hash in fenced chunks, then the changelog
 * offset they cover and how far the changelog may now be trimmed. Every value
 * carries its version, so a hash holding some states newer than its offset is
 * still right: replaying the changelog after the offset skips what it has.
 */
import { compareStreamIds, streamIdFromTime, type Engine, type Fencing } from '@streamerson/core';
import { encodeSnapshot, type Versioned } from '../codec.js';
import { META_OFFSET, META_TRIMMED, type ShardKeys } from '../names.js';

/** Keys per fenced write of a snapshot. */
export const SNAPSHOT_CHUNK = 1_000;

/**
 * Writes `dirty` and the offset; resolves with the id below which the
 * changelog may be trimmed: the older of the previous snapshot's offset
 * (readers that started from it still need what follows) and the retention
 * time.
 */
export async function writeSnapshot(
  engine: Engine & Fencing,
  fence: { readonly lease: string; readonly owner: string; readonly epoch: number },
  keys: ShardKeys,
  dirty: readonly (readonly [string, Versioned])[],
  offset: string,
  previousOffset: string,
  retentionMs: number,
): Promise<string> {
  const chunks: Promise<unknown>[] = [];
  for (let i = 0; i < dirty.length; i += SNAPSHOT_CHUNK) {
    const set = dirty.slice(i, i + SNAPSHOT_CHUNK).map(([key, value]): [string, string] => [key, encodeSnapshot(value)]);
    chunks.push(engine.fencedWrite({ ...fence, hashes: [{ key: keys.state, set }] }));
  }
  await Promise.all(chunks);
  const retained = streamIdFromTime(Math.max(0, Date.now() - retentionMs));
  const trimmed = compareStreamIds(previousOffset, retained) < 0 ? previousOffset : retained;
  await engine.fencedWrite({
    ...fence,
    hashes: [
      {
        key: keys.meta,
        set: [
          [META_OFFSET, offset],
          [META_TRIMMED, trimmed],
        ],
      },
    ],
  });
  return trimmed;
}
