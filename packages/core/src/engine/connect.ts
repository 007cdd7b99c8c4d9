import { StreamersonError } from '../errors.js';
import { MemoryEngine } from '../memory/memory-engine.js';
import { optionKeys, optionsObject } from '../options.js';
import type { Engine } from './types.js';
import { parseEngineUrl, type RedisClusterUrl, type RedisUrl } from './url.js';

/** The embedded default engine. */
export const DEFAULT_ENGINE_URL = 'memory://';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * Extra options for the Redis engine (passed to `@streamerson/redis`), for
   * example TLS certificates or connection timeouts.
   */
  readonly redis?: Readonly<Record<string, unknown>>;
}

/** What an engine package for Redis URLs exports. */
export interface RedisEngineModule {
  createRedisEngine(url: RedisUrl | RedisClusterUrl, options?: Readonly<Record<string, unknown>>): Engine;
}

const REDIS_PACKAGE = '@streamerson/redis';
const CONNECT_KEYS = optionKeys<ConnectOptions>({ redis: true });

/**
 * Opens the engine a URL names: `memory://[name]` (in-process, the default),
 * `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS),
 * `redis+cluster://host:port,host:port`. Without a URL, `STREAMERSON_URL` from
 * the environment, else `memory://`.
 *
 * Redis URLs load `@streamerson/redis`, which must be installed.
 */
export async function connect(url?: string, options: ConnectOptions = {}): Promise<Engine> {
  optionsObject(options, CONNECT_KEYS);
  const parsed = parseEngineUrl(url ?? process.env['STREAMERSON_URL'] ?? DEFAULT_ENGINE_URL);
  if (parsed.scheme === 'memory') return new MemoryEngine(parsed.name);
  let mod: RedisEngineModule;
  try {
    mod = (await import(REDIS_PACKAGE)) as RedisEngineModule;
  } catch (cause) {
    throw new StreamersonError(
      'ERR_STREAMERSON_ENGINE_UNAVAILABLE',
      `the ${parsed.scheme}:// engine needs the package ${REDIS_PACKAGE} (npm install ${REDIS_PACKAGE})`,
      { cause },
    );
  }
  return mod.createRedisEngine(parsed, options.redis);
}
