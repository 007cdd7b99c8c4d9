/** Durations written as in `5m`, `90s`, `1h30m`, `2d`, `250ms`. */
import { usageError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** True when `text` looks like a duration. */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/** Milliseconds of a duration; throws a usage error naming `option`. */
export function parseDuration(text: string, option: string): number {
  if (!isDuration(text)) throw usageError(`${option} expects a duration like 500ms, 30s, 5m, 2h or 1d, got ${JSON.stringify(text)}`);
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(ms);
}
