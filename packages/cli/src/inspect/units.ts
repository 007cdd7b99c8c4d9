/** Compact human units for ages, counts and byte rates. */

/** `850ms`, `12s`, `5m`, `3h`, `2d`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}

const PREFIXES = ['', 'k', 'M', 'G', 'T'];

/** `950`, `12.3k`, `4.1M`. */
export function formatCount(n: number): string {
  let value = n;
  let i = 0;
  while (Math.abs(value) >= 1000 && i < PREFIXES.length - 1) {
    value /= 1000;
    i++;
  }
  return i === 0 ? String(Math.round(value)) : `${value.toFixed(value < 10 ? 1 : 0)}${PREFIXES[i]}`;
}

/** `512B`, `12.3kB`, `4.1MB`. */
export function formatBytes(n: number): string {
  return `${formatCount(n)}B`;
}

/** `1 message`, `2 messages`; `many` for words whose plural is not `<word>s`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `dead letter 1-1 was`, `dead letters 1-1, 2-1 were`: a list of names and its verb in the number of the list. */
export function listWas(ids: readonly string[], one: string, many = `${one}s`): string {
  return ids.length === 1 ? `${one} ${ids[0]} was` : `${many} ${ids.join(', ')} were`;
}
