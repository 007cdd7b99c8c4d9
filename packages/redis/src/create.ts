import { InvalidUrlError, type Engine, type RedisClusterUrl, type RedisUrl } from '@streamerson/core';
import { RedisClusterEngine } from './cluster.js';
import { parseRedisEngineOptions, type RedisEngineOptions } from './options.js';
import { RedisEngine } from './standalone.js';

/**
 * Makes the engine for a parsed `redis://`, `rediss://` or `redis+cluster://`
 * URL (see `parseEngineUrl` of `@streamerson/core`). Connects in the
 * background; commands issued meanwhile wait for the connection. Options are
 * validated here, once.
 */
export function createRedisEngine(
  url: RedisUrl | RedisClusterUrl,
  options?: RedisEngineOptions | Readonly<Record<string, unknown>>,
): Engine {
  const parsed = parseRedisEngineOptions(options ?? {});
  if (url?.scheme === 'redis') return new RedisEngine(url, parsed);
  if (url?.scheme === 'redis+cluster') return new RedisClusterEngine(url, parsed);
  throw new InvalidUrlError(String((url as { scheme?: unknown } | undefined)?.scheme), 'the Redis engine serves redis://, rediss:// and redis+cluster:// URLs');
}
