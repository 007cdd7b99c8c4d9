/**
 * @streamerson/testkit — starts real redis-server processes (standalone, a
 * Cluster, a master with replicas and Sentinels) on free ports for tests, plus the few helpers tests share (waits,
 * the lifecycle check). Node builtins only.
 */
export {
  startRedis,
  REDIS_SERVER_MISSING_HINT,
  DEFAULT_START_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
} from './redis-server.js';
export type { RedisServer, StartRedisOptions } from './redis-server.js';
export {
  startRedisCluster,
  REDIS_CLI_MISSING_HINT,
  DEFAULT_CLUSTER_MASTERS,
  DEFAULT_CLUSTER_READY_TIMEOUT_MS,
  CLUSTER_SLOTS,
} from './cluster.js';
export type { RedisClusterHandle, StartRedisClusterOptions } from './cluster.js';
export { startTlsRedis } from './tls.js';
export type { TlsRedisServer } from './tls.js';
export { redisCommand, encodeCommand, DEFAULT_COMMAND_TIMEOUT_MS } from './resp.js';
export type { RespValue, RedisCommandOptions } from './resp.js';
export { monitorRedis, parseMonitorLine, DEFAULT_MONITOR_LIMIT } from './monitor.js';
export type { MonitoredCommand, MonitorOptions, RedisMonitor } from './monitor.js';
export { uniqueName } from './names.js';
export { acknowledgedCount } from './group-progress.js';
export type { StreamInfoSource } from './group-progress.js';
export { freePort, RESERVED_REDIS_PORT } from './free-port.js';
export { waitFor, sleep, DEFAULT_WAIT_TIMEOUT_MS, DEFAULT_WAIT_INTERVAL_MS } from './wait.js';
export type { WaitForOptions } from './wait.js';
export { checkLifecycle, DEFAULT_LIFECYCLE_TIMEOUT_MS } from './lifecycle.js';
export type { LifecycleObject, CheckLifecycleOptions } from './lifecycle.js';
export { startNodeProcess, killNodeProcesses, DEFAULT_READY_TIMEOUT_MS } from './node-process.js';
export type { NodeProcess, NodeProcessEvent, NodeProcessExit } from './node-process.js';
export { runReadmeExample, README_EXAMPLE_TIMEOUT_MS } from './readme.js';
export {
  startRedisSentinel,
  DEFAULT_SENTINEL_MASTER_NAME,
  DEFAULT_SENTINELS,
  DEFAULT_SENTINEL_DOWN_AFTER_MS,
  DEFAULT_SENTINEL_FAILOVER_TIMEOUT_MS,
  DEFAULT_SENTINEL_READY_TIMEOUT_MS,
} from './sentinel.js';
export type { RedisSentinelHandle, StartRedisSentinelOptions } from './sentinel.js';
