/** Option checks shared by the service and client parsers; each throws InvalidOptionError naming the option. */
import { InvalidOptionError, validateTopic } from '@streamerson/core';
import { pino, type Logger } from 'pino';

/** An integer within `[min, max]`, or `fallback` when undefined. */
export function intOption(value: unknown, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected an integer within ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** A number within `[min, max]`, or `fallback` when undefined. */
export function numberOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected a number within ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

/** A non-empty string, or `fallback` when undefined. */
export function stringOption(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(name, `expected a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A plain object; `name` names the option group. */
export function objectOption(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(name, `expected an options object, got ${value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** A boolean, or `fallback` when undefined. */
export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, `expected true or false, got ${String(value)}`);
  return value;
}

/** A list of valid topic names; empty when undefined. */
export function topicsOption(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError(name, 'expected an array of topic names');
  return value.map((t, i) => validateTopic(t, `${name}.${i}`));
}

/** A pino-compatible logger (has `child`), or a silent one when undefined: a library does not log unless asked. */
export function loggerOption(value: unknown, name: string): Logger {
  if (value === undefined) return pino({ level: 'silent' });
  if (typeof value !== 'object' || value === null || typeof (value as Logger).child !== 'function') {
    throw new InvalidOptionError(name, 'expected a pino logger (an object with child())');
  }
  return value as Logger;
}
