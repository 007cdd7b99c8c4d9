/**
 * How engine packages plug into `connect()`: the core keeps a table from URL
 * scheme to package and imports a package only when a URL of its scheme is
 * opened, so it depends on none of them (they are optional peer dependencies)
 * and importing the core registers nothing. Adding an engine takes a row in
 * {@link ENGINE_PACKAGES}, an `engineModule` export in its package, and its
 * options key added to {@link ConnectOptions} by declaration merging.
 */
import type { Engine } from './types.js';

/**
 * Options of `connect()`: one key per engine package, each typed by its
 * package through declaration merging, for example in `@streamerson/redis`:
 *
 * ```ts
 * declare module '@streamerson/core' {
 *   interface ConnectOptions {
 *     readonly redis?: RedisEngineOptions;
 *   }
 * }
 * ```
 *
 * A key is typed wherever the engine package's types are loaded (any import
 * of it, or `import type {} from '@streamerson/redis'`). Options of engines
 * other than the URL's are accepted and ignored, so one options object serves
 * every URL.
 */
// biome-ignore lint/suspicious/noEmptyInterface: engine packages add their options to it by declaration merging, which a type alias cannot take.
export interface ConnectOptions {}

/** What an engine package exports as `engineModule`. */
export interface EngineModule<Options = unknown> {
  /**
   * Opens the engine that `url` names (a scheme the package is listed for in
   * {@link ENGINE_PACKAGES}), with the options under the package's key of
   * {@link ConnectOptions}. Throws `ERR_STREAMERSON_INVALID_URL` or
   * `ERR_STREAMERSON_INVALID_OPTION` naming what is wrong.
   */
  open(url: string, options: Options | undefined): Engine | Promise<Engine>;
}

/** An engine package, and the key of {@link ConnectOptions} its options come under. */
export interface EnginePackage {
  readonly package: string;
  readonly optionsKey: string;
}

const REDIS: EnginePackage = Object.freeze({ package: '@streamerson/redis', optionsKey: 'redis' });
const FILE: EnginePackage = Object.freeze({ package: '@streamerson/file', optionsKey: 'file' });
const STDIO: EnginePackage = Object.freeze({ package: '@streamerson/stdio', optionsKey: 'stdio' });

/** The engine packages `connect()` opens, by URL scheme; `memory://` is the core's own. */
export const ENGINE_PACKAGES: Readonly<Record<string, EnginePackage>> = Object.freeze({
  redis: REDIS,
  rediss: REDIS,
  'redis+cluster': REDIS,
  'rediss+cluster': REDIS,
  'redis+sentinel': REDIS,
  'rediss+sentinel': REDIS,
  file: FILE,
  stdio: STDIO,
});

/** The package of `scheme`, if one is listed. */
export function enginePackage(scheme: string): EnginePackage | undefined {
  return Object.hasOwn(ENGINE_PACKAGES, scheme) ? ENGINE_PACKAGES[scheme] : undefined;
}
