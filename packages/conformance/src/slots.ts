/**
 * Redis Cluster key slots, so that tests can pick stream names that land on
 * different slots (and on each third of the slot space, which is how
 * `redis-cli --cluster create` spreads slots over three masters).
 */
import { keySlot, SLOT_COUNT } from '@streamerson/redis';

export { keySlot };

const SLOTS = SLOT_COUNT;

/**
 * `count` names `<base>-<suffix>` whose slots differ and fall in each third of
 * the slot space in turn, so that on a 3-master cluster they span every master.
 */
export function spreadNames(base: string, count: number): string[] {
  const names: string[] = [];
  const used = new Set<number>();
  for (let i = 0; names.length < count; i++) {
    const name = `${base}-${i.toString(36)}`;
    const slot = keySlot(name);
    const third = Math.floor((slot * 3) / SLOTS);
    if (third !== names.length % 3 || used.has(slot)) continue;
    used.add(slot);
    names.push(name);
  }
  return names;
}
