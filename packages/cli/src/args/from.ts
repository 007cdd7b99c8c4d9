/**
 * Where a read starts (`--from`): `beginning`, `latest` (or `end`), the last
 * N messages (`-N`, or `--last N`), an entry id, a Unix time in ms, an ISO
 * time or a duration back from now. Resolved per stream to the id to read
 * *after* (exclusive), which is what both plain reads and a new group's start
 * take.
 */
import { compareStreamIds, isStreamId, MIN_STREAM_ID, previousStreamId, streamIdFromTime, type Engine, type RawEntry } from '@streamerson/core';
import { usageError } from '../errors.js';
import { isDuration, parseDuration } from './duration.js';

export type FromSpec =
  | { readonly kind: 'beginning' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'last'; readonly count: number }
  | { readonly kind: 'id'; readonly id: string };

/** The default start of `tap`: the whole stream. */
export const DEFAULT_FROM = 'beginning';

/** Parses `--from`; times and durations become the first id at that time. */
export function parseFrom(text: string, now = Date.now()): FromSpec {
  if (text === 'beginning') return { kind: 'beginning' };
  if (text === 'latest' || text === 'end') return { kind: 'latest' };
  if (/^-\d+$/.test(text) && Number(text) < 0 && Number.isSafeInteger(-Number(text))) return { kind: 'last', count: -Number(text) };
  if (isStreamId(text)) return { kind: 'id', id: text };
  if (/^\d+$/.test(text)) return { kind: 'id', id: `${text}-0` };
  if (isDuration(text)) return { kind: 'id', id: streamIdFromTime(Math.max(0, now - parseDuration(text, '--from'))) };
  const time = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(time)) return { kind: 'id', id: streamIdFromTime(Math.max(0, time)) };
  throw usageError(`--from expects beginning, latest, end, -N (the last N), an entry id, an ISO time or a duration like 5m, got ${JSON.stringify(text)}`);
}

/** The id to read after in each of `streams` (which exist); the start entry itself is included. */
export async function startPositions(from: FromSpec, engine: Engine, streams: readonly string[]): Promise<Map<string, string>> {
  const after = new Map<string, string>();
  switch (from.kind) {
    case 'beginning':
      for (const s of streams) after.set(s, MIN_STREAM_ID);
      return after;
    case 'latest':
      await Promise.all(streams.map(async (s) => after.set(s, await engine.lastId(s))));
      return after;
    case 'id': {
      const id = from.id === MIN_STREAM_ID ? MIN_STREAM_ID : previousStreamId(from.id);
      for (const s of streams) after.set(s, id);
      return after;
    }
    case 'last':
      return lastPositions(from.count, engine, streams);
  }
}

/**
 * Positions that deliver the newest `count` entries over all `streams`
 * (in id order, as a merge of the shards would): each stream starts before its
 * oldest entry among them, or at its end when it has none.
 */
async function lastPositions(count: number, engine: Engine, streams: readonly string[]): Promise<Map<string, string>> {
  const newest = await Promise.all(
    streams.map(async (stream) => ({
      stream,
      entries: count === 0 ? [] : await engine.revRange(stream, '+', '-', count),
      last: await engine.lastId(stream),
    })),
  );
  const all: { stream: string; entry: RawEntry }[] = newest.flatMap(({ stream, entries }) => entries.map((entry) => ({ stream, entry })));
  all.sort((a, b) => compareStreamIds(b.entry.id, a.entry.id));
  const oldestKept = new Map<string, string>();
  for (const { stream, entry } of all.slice(0, count)) oldestKept.set(stream, entry.id);
  return new Map(
    newest.map(({ stream, last }) => {
      const oldest = oldestKept.get(stream);
      return [stream, oldest === undefined ? last : previousStreamId(oldest)];
    }),
  );
}
