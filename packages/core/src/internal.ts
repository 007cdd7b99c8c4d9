/**
 * @streamerson/core/internal — what the packages of Streamerson share beyond
 * the public API: the option checks every option parser is built from, the
 * one backoff schedule, the `closed` promise of the lifecycle and the one
 * bounded wait. Not part of
 * the public API: it may change with any release.
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

// Lifecycle and bounded waits
export { ClosedSignal } from './lifecycle.js';
export { settlesWithin } from './wait.js';
