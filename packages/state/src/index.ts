/**
 * @streamerson/state — state machines: event-sourced keyed state, one fenced
 * writer per shard, any number of readers, snapshots and recovery. See
 * docs/STATE.md. Everything not exported here is internal.
 */
export { defineMachine, Rejection, shardOf, parseMachineRef, MAX_MACHINE_SHARDS, DEFAULT_MACHINE_SHARDS } from './machine.js';
export type {
  Machine,
  MachineRef,
  MachineDefinition,
  MachineCommand,
  CommandHandler,
  CommandContext,
  CommandMap,
  Decision,
} from './machine.js';
export { CommandError, COMMAND_FAILURES, KEY_HEADER, EXPECTED_VERSION_HEADER } from './errors.js';
export type { CommandFailure } from './errors.js';
export type { Change, Versioned } from './codec.js';
export { shardKeys, allShardKeys, handoffStream, WRITER_GROUP } from './names.js';
export type { ShardKeys } from './names.js';

export { StateWriter, HANDOFF_RETENTION } from './writer/state-writer.js';
export type { StateWriterEvents, StateWriterStats } from './writer/state-writer.js';
export type { CommandResult } from './writer/batch.js';

export { StateReader } from './reader/state-reader.js';
export type { KeyState, GetOptions, StateReaderEvents, StateReaderStats } from './reader/state-reader.js';
export { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_MAX_SCAN } from './reader/history.js';
export type { HistoryOptions } from './reader/history.js';
export { MAX_MIN_VERSION_WAITS } from './reader/min-version.js';
export { readKey, readShard, readHistory } from './reader/read-key.js';

export { MachineClient } from './client/machine-client.js';
export { machineRoutes } from './http/machine-routes.js';
export type { MachineRoutesOptions } from './http/machine-routes.js';
export type { SendOptions, MachineClientStats } from './client/machine-client.js';

export {
  MAX_KEY_LENGTH,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_STATE_BLOCK_MS,
  DEFAULT_SNAPSHOT_EVERY,
  DEFAULT_SNAPSHOT_INTERVAL_MS,
  DEFAULT_MAX_KEYS,
  DEFAULT_DEDUPE_WINDOW_MS,
  DEFAULT_MAX_DEDUPE,
  DEFAULT_CLAIM_INTERVAL_MS,
  DEFAULT_RELAY_MAX_PENDING,
  DEFAULT_READ_COUNT,
  DEFAULT_TRIM_CHECK_INTERVAL_MS,
  DEFAULT_WATCH_BUFFER,
  DEFAULT_MIN_VERSION_TIMEOUT_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_LEASE_CHECK_MS,
} from './options.js';
export type {
  StateWriterOptions,
  StateWriterConfig,
  StateReaderOptions,
  StateReaderConfig,
  MachineClientOptions,
  MachineClientConfig,
} from './options.js';
