/**
 * @streamerson/core/internal — what the packages of Streamerson share beyond
 * the public API: the option checks every option parser is built from, the
 * one backoff schedule, the one priority queue (a min-heap), the `closed` promise of the lifecycle, the one bounded
 * wait, and the
 * semantics helpers of the memory engine that other engines of the same
 * contract reuse (id parsing and ordering, range bounds, retention and
 * argument checks, blocked reads), so that every engine validates and orders
 * exactly as `memory://` does; and the encoders of the request path that the
 * Client and the gateway share. Not part of the public API: it may change with
 * any release.
 */

// Option checks, for the option parsers of packages built on the core
export {
  optionsObject,
  optionKeys,
  objectOption,
  intOption,
  numberOption,
  enumOption,
  stringOption,
  boolOption,
  functionOption,
} from './options.js';

// The retry schedule
export {
  Backoff,
  backoff,
  DEFAULT_BACKOFF_MIN_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
} from './backoff.js';
export type { BackoffOptions, BackoffConfig } from './backoff.js';

// The one priority queue
export { MinHeap } from './heap.js';

// Lifecycle and bounded waits
export { ClosedSignal } from './lifecycle.js';
export { settlesWithin } from './wait.js';

// Engine semantics, shared by the engines implemented in Node.js (memory://, file://)
export {
  ZERO_ID,
  MAX_ID,
  invalidId,
  parseId,
  parseAppendId,
  parseBound,
  compareParts,
  formatId,
  afterStart,
  beforeEnd,
} from './memory/ids.js';
export type { IdParts, Bound } from './memory/ids.js';
export { BlockedRead, BlockedReads } from './memory/blocked-read.js';
export { served } from './memory/served-reads.js';
export type { BlockedReadOptions, WaiterSet } from './memory/blocked-read.js';
export type { Waiter } from './memory/waiters.js';
export { nextId } from './memory/stream-ops.js';
export { checkLease, validateFencedWrite } from './memory/fencing-ops.js';
export { DEFAULT_READ_COUNT, DEFAULT_LIST_LIMIT, msOption, nameOption, listOption, readArgs, groupReadArgs, parseRetention } from './memory/options.js';
export type { ParsedRetention, ReadArgs } from './memory/options.js';

// The request path of the Client and the gateway: headers that are a shared base and a few of the message's own, payloads encoded by their caller
export { encodeMessageWithHeaders } from './protocol/codec.js';
export { encodeHeadersWith } from './protocol/headers.js';
export { JsonText, encodeJson } from './protocol/payload.js';
export { jsonString } from './protocol/json-string.js';
