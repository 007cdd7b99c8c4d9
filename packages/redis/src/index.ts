/**
 * @streamerson/redis — the Redis Streams engine (standalone, TLS and Cluster,
 * on ioredis). `connect('redis://…')` of `@streamerson/core` loads it; use
 * {@link createRedisEngine} directly to pass a parsed URL and options.
 */
export { createRedisEngine } from './create.js';
export { RedisEngine } from './standalone.js';
export { RedisClusterEngine } from './cluster.js';
export {
  parseRedisEngineOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES_PER_REQUEST,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_MAX_READER_CONNECTIONS,
} from './options.js';
export type { RedisEngineOptions, ParsedRedisEngineOptions } from './options.js';
export { DEFAULT_LIST_LIMIT } from './base-engine.js';
export { DEFAULT_READ_COUNT } from './commands.js';
export { SCAN_COUNT } from './scan.js';
export { keySlot, SLOT_COUNT } from './slots.js';
