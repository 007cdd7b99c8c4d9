/** Waiting for room in a send buffer that offers no event for it (ws `bufferedAmount`). */
import { setTimeout as delay } from 'node:timers/promises';

/** How often a full send buffer is looked at again. */
export const ROOM_POLL_MS = 10;

/** Resolves once `full()` is false or `ended()` is true. */
export async function whenRoom(full: () => boolean, ended: () => boolean): Promise<void> {
  while (full() && !ended()) await delay(ROOM_POLL_MS);
}
