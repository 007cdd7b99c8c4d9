/**
 * Interrupting a blocked read from another connection (`CLIENT UNBLOCK`),
 * which only works once the read is blocked on the server: an UNBLOCK that
 * overtakes its read (sent on another connection) finds nothing to end, so it
 * is sent again until the read ends or {@link INTERRUPT_ATTEMPTS} were made.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Most `CLIENT UNBLOCK` sent for one interrupt. */
export const INTERRUPT_ATTEMPTS = 20;
/** Pause between two of them. */
export const INTERRUPT_RETRY_MS = 5;

/**
 * Sends `unblock()` (resolving 1 when it ended a blocked command) until it
 * ends one, `done` settles, or the attempts run out. Never rejects.
 */
export async function unblockRead(done: Promise<unknown>, unblock: () => Promise<unknown> | undefined): Promise<void> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  done.then(mark, mark);
  for (let attempt = 0; attempt < INTERRUPT_ATTEMPTS && !settled; attempt++) {
    const ended = await (unblock() ?? Promise.resolve(0)).catch(() => 0);
    if (Number(ended) === 1 || settled) return;
    await delay(INTERRUPT_RETRY_MS);
  }
}
