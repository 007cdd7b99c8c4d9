/** Redis Cluster hash slots, computed client-side to group keys per slot. */
import { hashTagOf } from '@streamerson/core';

/** Number of hash slots of a Redis Cluster. */
export const SLOT_COUNT = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** The hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384), as Redis computes it. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(hashTagOf(key));
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc % SLOT_COUNT;
}

/** Items grouped by the slot of their key, groups in order of first appearance, items in input order. */
export function groupBySlot<T>(items: readonly T[], keyOf: (item: T) => string): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [item]);
    else group.push(item);
  }
  return groups;
}
