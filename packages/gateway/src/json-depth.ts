/**
 * The nesting bound of JSON from clients (HTTP bodies, WebSocket payloads):
 * deeper values are refused before anything encodes them again, which would
 * otherwise fail on the call stack.
 */

/** Whether a parsed JSON value nests arrays and objects more than `max` levels deep (a scalar is depth 0, `[]` depth 1). Bytes count as a scalar. */
export function deeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  if (max === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (deeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  return false;
}

/** The message of a value refused for its depth. */
export const tooDeepMessage = (max: number): string => `JSON nested more than ${max} levels deep`;
