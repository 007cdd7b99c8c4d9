/**
 * Whether the gateway takes new work (requests, publishes, subscriptions):
 * not once it drains or closes, and not while the engine is known to be down
 * — its connection reported down (`stats().connected === false`) for at least
 * `engineDownAfterMs` as seen by the gateway's requests. Then new work is
 * answered `503 ERR_STREAMERSON_UNAVAILABLE` with `Retry-After` at once
 * instead of waiting out its timeout, while work in flight keeps its
 * deadline. A shorter outage (a reconnect, a Sentinel failover) is ridden
 * out: its requests wait for the connection, as the engine queues them. The
 * circuit closes as soon as the engine reports it is up again.
 */
import { StreamersonError, type Engine } from '@streamerson/core';

/** The failure of work refused while the engine is down. */
export const ENGINE_DOWN = new StreamersonError('ERR_STREAMERSON_UNAVAILABLE', 'the stream engine is unavailable');
/** The failure of work refused once the gateway drains or closes. */
export const GATEWAY_STOPPING = new StreamersonError('ERR_STREAMERSON_UNAVAILABLE', 'the gateway is shutting down');

export class Admission {
  private stopped = false;
  /** When the engine was first seen down in the current outage. */
  private downSince: number | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly downAfterMs: number,
  ) {}

  /** What to answer new work with now; undefined to take it. An engine that does not report `connected` is taken as up. */
  refusal(): StreamersonError | undefined {
    if (this.stopped) return GATEWAY_STOPPING;
    if (this.engine.stats().connected !== false) {
      this.downSince = undefined;
      return undefined;
    }
    const now = Date.now();
    this.downSince ??= now;
    return now - this.downSince >= this.downAfterMs ? ENGINE_DOWN : undefined;
  }

  /** Refuses new work from now on. */
  stop(): void {
    this.stopped = true;
  }
}
