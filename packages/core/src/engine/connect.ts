import { InvalidUrlError, StreamersonError } from '../errors.js';
import { MemoryEngine } from '../memory/memory-engine.js';
import { optionsObject } from '../options.js';
import { ENGINE_PACKAGES, enginePackage, type ConnectOptions, type EngineModule } from './registry.js';
import type { Engine } from './types.js';
import { parseMemoryUrl, splitEngineUrl } from './url.js';

/** The embedded default engine. */
export const DEFAULT_ENGINE_URL = 'memory://';

/** Every scheme `connect()` opens. */
export const ENGINE_SCHEMES: readonly string[] = Object.freeze(['memory', ...Object.keys(ENGINE_PACKAGES)]);

const CONNECT_KEYS: readonly string[] = Object.freeze([...new Set(Object.values(ENGINE_PACKAGES).map((p) => p.optionsKey))]);

/**
 * The scheme of an engine URL, lower-cased, once checked to be one that
 * {@link connect} opens; throws `ERR_STREAMERSON_INVALID_URL` otherwise.
 */
export function engineScheme(url: string): string {
  const { scheme } = splitEngineUrl(url);
  if (!ENGINE_SCHEMES.includes(scheme)) {
    throw new InvalidUrlError(url, `unknown scheme "${scheme}" (expected ${ENGINE_SCHEMES.join(', ')})`);
  }
  return scheme;
}

/**
 * Opens the engine a URL names: `memory://[name]` (in-process, the default)
 * or a scheme of an engine package ({@link ENGINE_PACKAGES}: `redis://`,
 * `rediss://`, `redis+cluster://`, …), imported when first used. Without a
 * URL, `STREAMERSON_URL` from the environment, else `memory://`. `options`
 * holds each engine's options under its key ({@link ConnectOptions}).
 */
export async function connect(url?: string, options: ConnectOptions = {}): Promise<Engine> {
  const o = optionsObject(options, CONNECT_KEYS);
  const text = url ?? process.env['STREAMERSON_URL'] ?? DEFAULT_ENGINE_URL;
  const scheme = engineScheme(text);
  if (scheme === 'memory') return new MemoryEngine(parseMemoryUrl(text).name);
  const { package: name, optionsKey } = enginePackage(scheme)!;
  let mod: { engineModule?: EngineModule };
  try {
    mod = (await import(name)) as { engineModule?: EngineModule };
  } catch (cause) {
    throw new StreamersonError('ERR_STREAMERSON_ENGINE_UNAVAILABLE', `the ${scheme}:// engine needs the package ${name} (npm install ${name})`, { cause });
  }
  if (typeof mod.engineModule?.open !== 'function') {
    throw new StreamersonError('ERR_STREAMERSON_ENGINE_UNAVAILABLE', `the package ${name} exports no engineModule for ${scheme}://`);
  }
  return mod.engineModule.open(text, o[optionsKey]);
}
