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
