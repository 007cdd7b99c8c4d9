import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name unique per call and per process, valid as a topic and stream name
 * (letters, digits, `_` and `-`): `<prefix>-<pid>-<counter>-<random>`.
 * Default prefix `t`.
 */
export function uniqueName(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}
