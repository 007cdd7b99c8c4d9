/**
 * Small checks shared by every option parser of Streamerson (producers,
 * consumers, services, clients, the gateway). Each returns the value (or its
 * default) and throws {@link InvalidOptionError} naming the option when the
 * value is wrong.
 */
import { InvalidOptionError } from './errors.js';

/** An integer within `[min, max]`, or `fallback` when `value` is undefined. */
export function intOption(value: unknown, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected an integer within ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** A finite number within `[min, max]`, or `fallback` when `value` is undefined. */
export function numberOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected a number within ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** One of `allowed`, or `fallback` when `value` is undefined. */
export function enumOption<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** A string (non-empty unless `allowEmpty`), or `fallback` when `value` is undefined. */
export function stringOption(value: unknown, name: string, fallback: string, allowEmpty = false): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new InvalidOptionError(name, `expected a ${allowEmpty ? '' : 'non-empty '}string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A boolean, or `fallback` when `value` is undefined. */
export function boolOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, `expected a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** A function, or undefined. */
export function functionOption<F extends (...args: never[]) => unknown>(value: unknown, name: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidOptionError(name, `expected a function, got ${typeof value}`);
  return value as F;
}

/** Throws when `options` is not a plain object; `name` is the option group (for example `producer`). */
export function objectOption(options: unknown, name: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(name, `expected an options object, got ${options === null ? 'null' : typeof options}`);
  }
  return options as Record<string, unknown>;
}

/**
 * The keys of an options interface, for {@link optionsObject}: the compiler
 * checks that the record names every key of `T` and nothing else, so the list
 * cannot drift from the interface.
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * The start of every option parser: checks that `options` is a plain object
 * whose keys are all in `known`, and throws {@link InvalidOptionError} naming
 * the first unknown key (with the known key it was probably meant to be), so a
 * misspelt option never passes silently. `path` names a nested option group
 * (for example `retention`, so errors name `retention.maxlen`); keys whose
 * value is `undefined` count as absent.
 */
export function optionsObject(options: unknown, known: readonly string[], path?: string): Record<string, unknown> {
  const o = objectOption(options, path ?? 'options');
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || known.includes(key)) continue;
    const near = closestKey(key, known);
    const hint = near === undefined ? `the options are ${known.join(', ')}` : `did you mean "${near}"?`;
    throw new InvalidOptionError(path === undefined ? key : `${path}.${key}`, `unknown key (${hint})`);
  }
  return o;
}

/** The known key within two edits of `key` (case ignored), if any: the likely intent of a misspelt option. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
