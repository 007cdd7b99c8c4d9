/** Counters of a service member. */

/** Counters of a service member since it started. */
export interface ServiceStats {
  /** Handlers that completed (success or non-retryable error). */
  readonly processed: number;
  /** Handler failures left pending for a retry. */
  readonly retried: number;
  readonly deadLettered: number;
  /** Requests skipped because their deadline had passed. */
  readonly expired: number;
  /** Requests whose deadline passed while their handler ran (answered 504 `ERR_STREAMERSON_TIMEOUT`). */
  readonly timedOut: number;
  readonly unknownType: number;
  /** Entries that are not v1 messages (dead-lettered). */
  readonly badEntries: number;
  /** Entries claimed from the pending list (retries and abandoned entries). */
  readonly claimed: number;
  /** Requests answered with a stored reply (idempotency); their handler did not run. */
  readonly replayed: number;
  /** Payloads that failed their type's schema (answered with status 400). */
  readonly invalid: number;
  /** Silent group members without pending entries deleted on start. */
  readonly pruned: number;
  /** 1 when `drain()` gave up waiting after `drainTimeoutMs`. */
  readonly drainTimeouts: number;
  /** Engine errors of reads, claims and writes; the loop carried on. */
  readonly engineErrors: number;
  /** Trims of the topic this member ran as its trimmer (see docs/ARCHITECTURE.md, "Retention"). */
  readonly trimPasses: number;
  /** Entries those trims removed. */
  readonly trimmed: number;
  /** Handlers running now. */
  readonly inFlight: number;
}

/** The counters a member's parts add to; `inFlight` is read from the running handlers. */
export type ServiceCounters = { -readonly [K in Exclude<keyof ServiceStats, 'inFlight'>]: number };

export function newCounters(): ServiceCounters {
  return {
    processed: 0,
    retried: 0,
    deadLettered: 0,
    expired: 0,
    timedOut: 0,
    unknownType: 0,
    badEntries: 0,
    claimed: 0,
    replayed: 0,
    invalid: 0,
    pruned: 0,
    drainTimeouts: 0,
    engineErrors: 0,
    trimPasses: 0,
    trimmed: 0,
  };
}
