import type { Engine, EngineModule } from '@streamerson/core';
import { RedisClusterEngine } from './cluster.js';
import { parseRedisEngineOptions, type RedisEngineOptions } from './options.js';
import { RedisEngine } from './standalone.js';
import { checkSentinelMaster } from './sentinel-master.js';
import { parseRedisUrl, type AnyRedisUrl } from './url.js';

declare module '@streamerson/core' {
  interface ConnectOptions {
    /** Options of the Redis engine (`redis://`, `rediss://`, `redis+cluster://`, …): TLS certificates, timeouts, reconnects. */
    readonly redis?: RedisEngineOptions;
  }
}

/**
 * Makes the engine for a Redis URL (`redis://`, `rediss://`,
 * `redis+cluster://`, `rediss+cluster://`, `redis+sentinel://`,
 * `rediss+sentinel://`), given as text or parsed by
 * {@link parseRedisUrl}. Connects in the background; commands issued
 * meanwhile wait for the connection. Options are validated here, once.
 */
export function createRedisEngine(url: string | AnyRedisUrl, options?: RedisEngineOptions): Engine {
  const parsedUrl = typeof url === 'string' ? parseRedisUrl(url) : url;
  const parsed = parseRedisEngineOptions(options ?? {});
  return parsedUrl.scheme === 'redis+cluster' ? new RedisClusterEngine(parsedUrl, parsed) : new RedisEngine(parsedUrl, parsed);
}

/**
 * How `connect()` of `@streamerson/core` opens Redis URLs. A Sentinel URL is
 * checked first: when every Sentinel that answers knows no master of its
 * name, `connect()` rejects with a `ConnectionError` (`unknown-master`).
 */
export const engineModule: EngineModule<RedisEngineOptions> = Object.freeze({
  open: async (url: string, options: RedisEngineOptions | undefined) => {
    const parsedUrl = parseRedisUrl(url);
    const engine = createRedisEngine(parsedUrl, options);
    if (parsedUrl.scheme === 'redis+sentinel') {
      try {
        await checkSentinelMaster(parsedUrl, engine.url, parseRedisEngineOptions(options ?? {}));
      } catch (error) {
        engine.destroy();
        throw error;
      }
    }
    return engine;
  },
});
