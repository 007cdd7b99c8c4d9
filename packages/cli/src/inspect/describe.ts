/**
 * The state of a topic across its shards: length, first and last entry,
 * groups (lag, pending, consumers) and dead letters. `info` prints it; `top`
 * samples it every second.
 */
import { streamIdTime, type Engine, type GroupInfo, type RawEntry, type StreamInfo } from '@streamerson/core';
import { DEAD_LETTER_SUFFIX } from '../topics.js';

export interface EntryRef {
  readonly id: string;
  /** Unix ms of the id. */
  readonly time: number;
}

export interface ConsumerReport {
  readonly name: string;
  readonly pending: number;
  /** Milliseconds since its last read, the smallest over the shards. */
  readonly idleMs: number;
}

export interface GroupReport {
  readonly name: string;
  /** Entries not yet delivered to the group, summed over the shards; null when an engine cannot tell. */
  readonly lag: number | null;
  readonly pending: number;
  readonly consumers: readonly ConsumerReport[];
}

export interface StreamReport {
  readonly stream: string;
  readonly length: number;
  readonly first: EntryRef | null;
  readonly last: EntryRef | null;
  /** Entries ever added (for rates: it does not drop when the stream is trimmed). */
  readonly entriesAdded: number;
  /** Bytes of field names and values of the last entry (a sample for bytes/s). */
  readonly lastEntryBytes: number;
}

export interface TopicReport {
  readonly topic: string;
  readonly streams: readonly StreamReport[];
  readonly length: number;
  readonly first: EntryRef | null;
  readonly last: EntryRef | null;
  readonly groups: readonly GroupReport[];
  /** Entries in `<topic>:dlq`. */
  readonly deadLetters: number;
}

function refOf(entry: RawEntry | null): EntryRef | null {
  return entry === null ? null : { id: entry.id, time: streamIdTime(entry.id) };
}

function bytesOf(entry: RawEntry | null): number {
  let n = 0;
  for (const f of entry?.fields ?? []) n += f.length;
  return n;
}

function streamReport(stream: string, info: StreamInfo | null): StreamReport {
  return {
    stream,
    length: info?.length ?? 0,
    first: refOf(info?.firstEntry ?? null),
    last: refOf(info?.lastEntry ?? null),
    entriesAdded: info?.entriesAdded ?? 0,
    lastEntryBytes: bytesOf(info?.lastEntry ?? null),
  };
}

/** Groups of the same name on several shards become one report. */
export function mergeGroups(groups: readonly GroupInfo[]): GroupReport[] {
  const byName = new Map<string, { lag: number | null; pending: number; consumers: Map<string, ConsumerReport> }>();
  for (const g of groups) {
    const merged = byName.get(g.name) ?? { lag: 0, pending: 0, consumers: new Map<string, ConsumerReport>() };
    merged.lag = merged.lag === null || g.lag === null ? null : merged.lag + g.lag;
    merged.pending += g.pending;
    for (const c of g.consumers) {
      const seen = merged.consumers.get(c.name);
      merged.consumers.set(c.name, {
        name: c.name,
        pending: (seen?.pending ?? 0) + c.pending,
        idleMs: Math.min(seen?.idleMs ?? Infinity, c.idleMs),
      });
    }
    byName.set(g.name, merged);
  }
  return [...byName].map(([name, g]) => ({ name, lag: g.lag, pending: g.pending, consumers: [...g.consumers.values()] }));
}

function earliest(a: EntryRef | null, b: EntryRef | null): EntryRef | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.time < a.time ? b : a;
}

function latest(a: EntryRef | null, b: EntryRef | null): EntryRef | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.time > a.time ? b : a;
}

/** Reports `topic` stored in `streams`; streams that do not exist count as empty. */
export async function describeTopic(engine: Engine, topic: string, streams: readonly string[]): Promise<TopicReport> {
  const [infos, deadLetters] = await Promise.all([Promise.all(streams.map((s) => engine.info(s))), engine.length(topic + DEAD_LETTER_SUFFIX)]);
  const reports = streams.map((s, i) => streamReport(s, infos[i] ?? null));
  return {
    topic,
    streams: reports,
    length: reports.reduce((n, r) => n + r.length, 0),
    first: reports.reduce<EntryRef | null>((f, r) => earliest(f, r.first), null),
    last: reports.reduce<EntryRef | null>((l, r) => latest(l, r.last), null),
    groups: mergeGroups(infos.flatMap((i) => i?.groups ?? [])),
    deadLetters,
  };
}
