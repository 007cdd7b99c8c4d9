/**
 * Reads served at once settle in the event loop's check phase.
 *
 * A Redis read always waits for its reply on a socket, so a loop of reads
 * gives the event loop a turn per read: timers fire, and what is scheduled
 * with `setImmediate` (the consumer's acks, the service's outbox, the
 * producer's batches) leaves as the loop goes. The in-process engines
 * (`memory://`, `file://`) answer a read from what they hold, without I/O; a
 * promise that resolved at once would keep a loop draining a backlog in
 * microtasks until the backlog ends — no timer (deadlines, lease renewals,
 * claim intervals) fires meanwhile, and every ack of the drain goes out at
 * its end. So their reads that return entries settle as I/O would: the read
 * runs at once (its effects, such as entries becoming pending, are made
 * then, as a server would), and its promise resolves in the next check phase.
 * A read that returns nothing settles at once: a loop that finds nothing
 * waits on a blocking read or a timer, which yields anyway.
 */
function isEmpty(result: unknown): boolean {
  return Array.isArray(result) && result.length === 0;
}

/** Resolves with `result` in the event loop's next check phase, or at once when it is an empty list. */
export function served<T>(result: T): Promise<T> {
  if (isEmpty(result)) return Promise.resolve(result);
  return new Promise((resolve) => setImmediate(resolve, result));
}
