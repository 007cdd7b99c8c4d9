/**
 * @streamerson/redis — the Redis Streams engine (standalone, TLS and Cluster,
 * on ioredis). `connect('redis://…')` of `@streamerson/core` loads it (through
 * {@link engineModule}); {@link createRedisEngine} opens one directly.
 */
export { createRedisEngine, engineModule } from './create.js';
export { parseRedisUrl, DEFAULT_REDIS_PORT, DEFAULT_SENTINEL_PORT, REDIS_SCHEMES } from './url.js';
export type { RedisUrl, RedisClusterUrl, RedisSentinelUrl, AnyRedisUrl, HostPort } from './url.js';
export { RedisEngine } from './standalone.js';
export { RedisClusterEngine } from './cluster.js';
export { ConnectionError } from './errors.js';
export type { ConnectionFailure } from './errors.js';
export {
  parseRedisEngineOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES_PER_REQUEST,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_MAX_READER_CONNECTIONS,
  DEFAULT_REPLICAS,
  DEFAULT_REPLICA_TIMEOUT_MS,
} from './options.js';
export type { RedisEngineOptions, ParsedRedisEngineOptions } from './options.js';
export { DEFAULT_LIST_LIMIT } from './base-engine.js';
export { DEFAULT_READ_COUNT } from './commands.js';
export { SCAN_COUNT } from './scan.js';
export { keySlot, SLOT_COUNT } from './slots.js';
