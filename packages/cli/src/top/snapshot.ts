/** One view of `top`: per topic, group and consumer figures plus totals, as `--json` prints them. */
import type { TopicReport } from '../inspect/describe.js';
import type { Rates, Sampler } from './sampler.js';

/** A consumer whose last read is older than this counts as idle (unless the registry says it runs). */
export const DEFAULT_IDLE_AFTER_MS = 30_000;

export interface RatePair {
  readonly lastSecond: number;
  readonly lastMinute: number;
}

export interface ConsumerRow {
  readonly name: string;
  readonly pending: number;
  /**
   * Milliseconds since its last read as the engine reports it (see
   * {@link ConsumerRow.online}); null for a consumer only the registry knows
   * (Redis before 7.2 makes a consumer on its first delivery, not its first read).
   */
  readonly idleMs: number | null;
  /**
   * Read within `--idle-after`, or announced as running by an instance online in
   * the service registry — Redis before 7.2 counts idle time from the last read
   * that delivered something, so a worker waiting on a quiet topic looks idle.
   */
  readonly online: boolean;
}

export interface GroupRow {
  readonly name: string;
  readonly lag: number | null;
  readonly pending: number;
  readonly consumersOnline: number;
  readonly consumersIdle: number;
  readonly consumers: readonly ConsumerRow[];
}

export interface TopicRow {
  readonly topic: string;
  readonly shards: number;
  readonly length: number;
  readonly msgsPerSec: RatePair;
  readonly bytesPerSec: RatePair;
  /** Milliseconds since the newest message; null when the topic is empty. */
  readonly lastMessageAgeMs: number | null;
  readonly deadLetters: number;
  readonly groups: readonly GroupRow[];
}

export interface Totals {
  readonly topics: number;
  readonly length: number;
  readonly msgsPerSec: RatePair;
  readonly bytesPerSec: RatePair;
  readonly lag: number;
  readonly pending: number;
  readonly deadLetters: number;
}

export interface Snapshot {
  readonly time: string;
  readonly topics: readonly TopicRow[];
  readonly totals: Totals;
}

/** Message rates to two decimals (a topic with one message a minute has a rate), byte rates to whole bytes. */
function rounded(n: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

function sum(rates: readonly Rates[], key: keyof Rates): number {
  return rates.reduce((n, r) => n + r[key], 0);
}

/** The consumers of `group` on `topic` that instances online in the registry announce as running. */
export type Announced = (topic: string, group: string) => ReadonlySet<string>;

function topicRow(report: TopicReport, sampler: Sampler, now: number, idleAfterMs: number, announced: Announced): TopicRow {
  const rates = report.streams.map((s) => sampler.rates(s.stream));
  const second = rates.map((r) => r.lastSecond);
  const minute = rates.map((r) => r.lastMinute);
  return {
    topic: report.topic,
    shards: report.streams.length,
    length: report.length,
    msgsPerSec: { lastSecond: rounded(sum(second, 'msgsPerSec'), 2), lastMinute: rounded(sum(minute, 'msgsPerSec'), 2) },
    bytesPerSec: { lastSecond: rounded(sum(second, 'bytesPerSec'), 0), lastMinute: rounded(sum(minute, 'bytesPerSec'), 0) },
    lastMessageAgeMs: report.last === null ? null : Math.max(0, now - report.last.time),
    deadLetters: report.deadLetters,
    groups: report.groups.map((g) => {
      const running = announced(report.topic, g.name);
      const known = new Set(g.consumers.map((c) => c.name));
      const consumers: ConsumerRow[] = [
        ...g.consumers.map((c) => ({ name: c.name, pending: c.pending, idleMs: c.idleMs, online: c.idleMs < idleAfterMs || running.has(c.name) })),
        ...[...running]
          .filter((name) => !known.has(name))
          .sort()
          .map((name) => ({ name, pending: 0, idleMs: null, online: true })),
      ];
      const online = consumers.filter((c) => c.online).length;
      return { name: g.name, lag: g.lag, pending: g.pending, consumersOnline: online, consumersIdle: consumers.length - online, consumers };
    }),
  };
}

/** Totals of `topics` (those shown: the filter applies). */
export function totalsOf(topics: readonly TopicRow[]): Totals {
  const add = (pick: (t: TopicRow) => number) => topics.reduce((n, t) => n + pick(t), 0);
  return {
    topics: topics.length,
    length: add((t) => t.length),
    msgsPerSec: {
      lastSecond: rounded(
        add((t) => t.msgsPerSec.lastSecond),
        2,
      ),
      lastMinute: rounded(
        add((t) => t.msgsPerSec.lastMinute),
        2,
      ),
    },
    bytesPerSec: { lastSecond: add((t) => t.bytesPerSec.lastSecond), lastMinute: add((t) => t.bytesPerSec.lastMinute) },
    lag: add((t) => t.groups.reduce((n, g) => n + (g.lag ?? 0), 0)),
    pending: add((t) => t.groups.reduce((n, g) => n + g.pending, 0)),
    deadLetters: add((t) => t.deadLetters),
  };
}

/** The snapshot of the topics reported; `keep` chooses which are shown and counted (the filter). */
export function buildSnapshot(
  reports: readonly TopicReport[],
  sampler: Sampler,
  idleAfterMs: number,
  options: { readonly announced?: Announced; readonly keep?: (t: TopicRow) => boolean; readonly now?: number } = {},
): Snapshot {
  const now = options.now ?? Date.now();
  const announced = options.announced ?? (() => new Set<string>());
  const topics = reports.map((r) => topicRow(r, sampler, now, idleAfterMs, announced)).filter(options.keep ?? (() => true));
  return { time: new Date(now).toISOString(), topics, totals: totalsOf(topics) };
}
