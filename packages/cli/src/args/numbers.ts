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

/**
 * A list option: comma-separated values, and the option may be repeated
 * (`--id a,b --id c`). Not variadic, so that an argument after it is never
 * taken for one of its values (`dlq replay --id X orders`).
 */
export function listArg(name: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const items = value.split(',').map((v) => v.trim());
    if (items.some((v) => v === '')) throw usageError(`${name} expects a comma-separated list without empty items, got ${JSON.stringify(value)}`);
    return [...(previous ?? []), ...items];
  };
}
