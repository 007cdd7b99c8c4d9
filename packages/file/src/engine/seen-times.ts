/**
 * How stale a consumer's stored seen and active times may be: a read writes
 * them only when the last write of this process is older than this, so that
 * a busy consumer does not write its row on every read. Idle and inactive
 * times (XINFO CONSUMERS) may read up to this much high.
 */
export const SEEN_TIME_RESOLUTION_MS = 100;

/** Consumers whose last write is remembered at most; the oldest are forgotten first (and written again on their next read). */
export const MAX_SEEN_CONSUMERS = 4_096;

interface Written {
  seen: number;
  active: number;
}

/** An unambiguous key of a consumer (names may hold any character). */
function keyOf(stream: string, group: string, consumer: string): string {
  return `${stream.length}:${stream}${group.length}:${group}${consumer}`;
}

/**
 * When this process last wrote each consumer's seen (and active) time. It
 * only decides whether a write may be skipped; whether the consumer's row
 * exists is still read from the database (another process may have deleted it).
 */
export class SeenTimes {
  private readonly written = new Map<string, Written>();

  /** Whether a read at `now` (delivering entries when `active`) must write the consumer's times. */
  due(stream: string, group: string, consumer: string, now: number, active: boolean): boolean {
    const w = this.written.get(keyOf(stream, group, consumer));
    if (w === undefined) return true;
    return now - (active ? w.active : w.seen) >= SEEN_TIME_RESOLUTION_MS;
  }

  /** The consumer's times were written at `now` (the active time too when `active`). */
  wrote(stream: string, group: string, consumer: string, now: number, active: boolean): void {
    const key = keyOf(stream, group, consumer);
    const w = this.written.get(key);
    // Re-inserted, so that the map's order is that of the last writes.
    this.written.delete(key);
    if (this.written.size >= MAX_SEEN_CONSUMERS) this.written.delete(this.written.keys().next().value!);
    this.written.set(key, { seen: now, active: active ? now : (w?.active ?? -Infinity) });
  }

  /** Forgets every consumer (a transaction rolled back, or consumers were deleted): their next reads write. */
  clear(): void {
    this.written.clear();
  }
}
