/** What the `rss` scenario's slow consumers and the bench agree on. */

/** Consumer group (and service name) of the slow consumers. */
export const SLOW_GROUP = 'bench-slow';
/** Message type the bench appends and the slow service handles. */
export const SLOW_TYPE = 'slow';
