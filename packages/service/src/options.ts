/** Option checks of services only; the general ones (intOption, …) come from @streamerson/core/internal. */
import { InvalidOptionError, validateTopic } from '@streamerson/core';
import { pino, type Logger } from 'pino';

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
