/**
 * @streamerson/processor/runtime — the shard-owning runtime that processors
 * and state machine writers (`@streamerson/state`) both run on: per-shard
 * leases with a fencing epoch, standby takeover and hand-off
 * ({@link ShardLeases}), and the run of one held shard — recover, read a batch
 * of the shard's stream as a group, store it in one fenced write
 * ({@link ShardLoop}). See docs/ARCHITECTURE.md, "One runtime for processors
 * and state machines".
 */
export { ShardLeases, HANDOFF_RETENTION } from './shard-leases.js';
export type { ShardTask, ShardLeasesConfig, ShardLeasesHooks } from './shard-leases.js';
export { ShardLoop } from './shard-loop.js';
export type { ShardLoopConfig, ShardLoopHooks } from './shard-loop.js';
export { LEASE_OPTION_KEYS, parseLeaseOptions, shardListOption, defaultOwnerId, MIN_LEASE_TTL_MS } from './lease-options.js';
export type { LeaseOptions, LeaseConfig } from './lease-options.js';
