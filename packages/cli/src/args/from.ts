/**
 * Where a read starts (`--from`): `beginning`, `latest`, an entry id, an ISO
 * time or a duration back from now. Resolved to the id to read *after*
 * (exclusive), which is what both plain reads and a new group's start take.
 */
import { isStreamId, MIN_STREAM_ID, previousStreamId, streamIdFromTime, type Engine } from '@streamerson/core';
import { usageError } from '../errors.js';
import { isDuration, parseDuration } from './duration.js';

export type FromSpec =
  | { readonly kind: 'beginning' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'id'; readonly id: string };

/** The default start of `tap`: the whole stream. */
export const DEFAULT_FROM = 'beginning';

/** Parses `--from`; times and durations become the first id at that time. */
export function parseFrom(text: string, now = Date.now()): FromSpec {
  if (text === 'beginning') return { kind: 'beginning' };
  if (text === 'latest') return { kind: 'latest' };
  if (isStreamId(text)) return { kind: 'id', id: text };
  if (/^\d+$/.test(text)) return { kind: 'id', id: `${text}-0` };
  if (isDuration(text)) return { kind: 'id', id: streamIdFromTime(Math.max(0, now - parseDuration(text, '--from'))) };
  const time = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(time)) return { kind: 'id', id: streamIdFromTime(Math.max(0, time)) };
  throw usageError(`--from expects beginning, latest, an entry id, an ISO time or a duration like 5m, got ${JSON.stringify(text)}`);
}

/** The id to read after in `stream` (the start entry itself is included). */
export async function afterIdOf(from: FromSpec, engine: Engine, stream: string): Promise<string> {
  switch (from.kind) {
    case 'beginning': return MIN_STREAM_ID;
    case 'latest': return engine.lastId(stream);
    case 'id': return from.id === MIN_STREAM_ID ? MIN_STREAM_ID : previousStreamId(from.id);
  }
}
