/** Option parsers for commander: they reject bad values with a usage error naming the option. */
import { usageError } from '../errors.js';

/** A parser of integers `>= min` for the option `name`. */
export function intArg(name: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw usageError(`${name} expects an integer >= ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** A parser of positive numbers (fractions allowed) for the option `name`. */
export function positiveArg(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw usageError(`${name} expects a number > 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Collects a repeatable `key=value` option into an object. */
export function keyValueArg(name: string): (value: string, previous: Record<string, string> | undefined) => Record<string, string> {
  return (value, previous) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw usageError(`${name} expects key=value, got ${JSON.stringify(value)}`);
    return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
  };
}
