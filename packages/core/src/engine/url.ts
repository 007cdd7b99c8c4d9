import { InvalidUrlError } from '../errors.js';

/** `memory://[name]`: an in-process engine; engines made from the same name share their streams. */
export interface MemoryUrl {
  readonly scheme: 'memory';
  readonly name: string;
}

/** An engine URL cut at its scheme. */
export interface SchemeAndRest {
  /** The scheme, lower-cased (`redis`, `redis+cluster`, `memory`, …). */
  readonly scheme: string;
  /** What follows `://`. */
  readonly rest: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;

/**
 * Splits an engine URL into its scheme and the rest; the engine of the scheme
 * parses the rest. Throws {@link InvalidUrlError} (`ERR_STREAMERSON_INVALID_URL`)
 * when there is no scheme.
 */
export function splitEngineUrl(url: string): SchemeAndRest {
  if (typeof url !== 'string' || url.length === 0) {
    throw new InvalidUrlError(String(url), 'expected a non-empty string such as memory:// or redis://127.0.0.1:6379');
  }
  const m = SCHEME.exec(url);
  if (m === null) throw new InvalidUrlError(url, 'missing scheme (for example memory:// or redis://)');
  return { scheme: m[1]!.toLowerCase(), rest: m[2]! };
}

/** Parses `memory://[name]`; the name defaults to `default`. */
export function parseMemoryUrl(url: string): MemoryUrl {
  const { scheme, rest } = splitEngineUrl(url);
  if (scheme !== 'memory') throw new InvalidUrlError(url, `expected memory://, got ${scheme}://`);
  const name = rest.replace(/\/+$/, '');
  if (!/^[A-Za-z0-9_.-]*$/.test(name)) {
    throw new InvalidUrlError(url, 'a memory engine name may only hold letters, digits, "_", "." and "-"');
  }
  return { scheme: 'memory', name: name === '' ? 'default' : name };
}
