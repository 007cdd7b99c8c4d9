/** One view of `top`: per topic and group figures plus totals, as `--json` prints them. */
import type { TopicReport } from '../inspect/describe.js';
import type { Rates, Sampler } from './sampler.js';

/** A consumer whose last read is older than this counts as idle. */
export const DEFAULT_IDLE_AFTER_MS = 30_000;

export interface RatePair {
  readonly lastSecond: number;
  readonly lastMinute: number;
}

export interface GroupRow {
  readonly name: string;
  readonly lag: number | null;
  readonly pending: number;
  readonly consumersOnline: number;
  readonly consumersIdle: number;
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

function sum(rates: readonly Rates[], key: keyof Rates): number {
  return rates.reduce((n, r) => n + r[key], 0);
}

function topicRow(report: TopicReport, sampler: Sampler, now: number, idleAfterMs: number): TopicRow {
  const rates = report.streams.map((s) => sampler.rates(s.stream));
  const second = rates.map((r) => r.lastSecond);
  const minute = rates.map((r) => r.lastMinute);
  return {
    topic: report.topic,
    shards: report.streams.length,
    length: report.length,
    msgsPerSec: { lastSecond: sum(second, 'msgsPerSec'), lastMinute: sum(minute, 'msgsPerSec') },
    bytesPerSec: { lastSecond: sum(second, 'bytesPerSec'), lastMinute: sum(minute, 'bytesPerSec') },
    lastMessageAgeMs: report.last === null ? null : Math.max(0, now - report.last.time),
    deadLetters: report.deadLetters,
    groups: report.groups.map((g) => ({
      name: g.name,
      lag: g.lag,
      pending: g.pending,
      consumersOnline: g.consumers.filter((c) => c.idleMs < idleAfterMs).length,
      consumersIdle: g.consumers.filter((c) => c.idleMs >= idleAfterMs).length,
    })),
  };
}

export function buildSnapshot(reports: readonly TopicReport[], sampler: Sampler, idleAfterMs: number, now = Date.now()): Snapshot {
  const topics = reports.map((r) => topicRow(r, sampler, now, idleAfterMs));
  const add = (pick: (t: TopicRow) => number) => topics.reduce((n, t) => n + pick(t), 0);
  return {
    time: new Date(now).toISOString(),
    topics,
    totals: {
      topics: topics.length,
      length: add((t) => t.length),
      msgsPerSec: { lastSecond: add((t) => t.msgsPerSec.lastSecond), lastMinute: add((t) => t.msgsPerSec.lastMinute) },
      bytesPerSec: { lastSecond: add((t) => t.bytesPerSec.lastSecond), lastMinute: add((t) => t.bytesPerSec.lastMinute) },
      lag: add((t) => t.groups.reduce((n, g) => n + (g.lag ?? 0), 0)),
      pending: add((t) => t.groups.reduce((n, g) => n + g.pending, 0)),
      deadLetters: add((t) => t.deadLetters),
    },
  };
}
