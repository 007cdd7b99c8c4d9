import type { AppendOptions, FieldValue, RawEntry, ReadPosition, StreamEntries } from '../engine/types.js';
import { InvalidOptionError, StreamersonError } from '../errors.js';
import { compareParts, formatId, parseAppendId, parseBound, parseId, type IdParts } from './ids.js';
import { MemoryStream } from './memory-stream.js';
import type { MemoryStore } from './memory-store.js';
import { parseRetention, type ParsedRetention } from './options.js';
import { packFields, toRawEntry } from './stored-entry.js';

function idTooSmall(message: string): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_ID_TOO_SMALL', message);
}

/** The id XADD would give the next entry of a stream whose last id is `stream`'s (auto or explicit, with `<ms>-*`). */
export function nextId(stream: { readonly lastMs: number; readonly lastSeq: number } | undefined, id: string | undefined): IdParts {
  const lastMs = stream?.lastMs ?? 0;
  const lastSeq = stream?.lastSeq ?? 0;
  if (id === undefined || id === '*') {
    const now = Date.now();
    // A clock that went back keeps counting on the last millisecond, as Redis does.
    if (now > lastMs) return { ms: now, seq: 0 };
    return lastSeq < Number.MAX_SAFE_INTEGER ? { ms: lastMs, seq: lastSeq + 1 } : { ms: lastMs + 1, seq: 0 };
  }
  const parsed = parseAppendId(id);
  if (parsed.seq === null) {
    if (parsed.ms < lastMs) throw idTooSmall(`the id ${id} is smaller than the last id ${formatId(lastMs, lastSeq)}`);
    if (parsed.ms > lastMs) return { ms: parsed.ms, seq: 0 };
    if (lastSeq >= Number.MAX_SAFE_INTEGER) throw idTooSmall(`no sequence left on millisecond ${parsed.ms}`);
    // 0-0 is never a valid entry id, so `0-*` on a new stream starts at 0-1.
    return { ms: lastMs, seq: lastSeq + 1 };
  }
  if (parsed.ms === 0 && parsed.seq === 0) throw idTooSmall('an entry id must be greater than 0-0');
  if (compareParts(parsed.ms, parsed.seq, lastMs, lastSeq) <= 0) {
    throw idTooSmall(`the id ${id} is equal to or smaller than the last id ${formatId(lastMs, lastSeq)}`);
  }
  return { ms: parsed.ms, seq: parsed.seq };
}

/** Applies a retention policy; returns how many entries were removed. */
export function applyRetention(stream: MemoryStream, retention: ParsedRetention): number {
  return retention.kind === 'maxLen'
    ? stream.trimMaxLen(retention.maxLen, retention.limit)
    : stream.trimMinId(retention.minId.ms, retention.minId.seq, retention.limit);
}

/**
 * XADD. Everything is validated before the stream is created, so a failed
 * append never leaves an empty stream behind.
 */
export function appendEntry(store: MemoryStore, name: string, fields: readonly FieldValue[], options: AppendOptions = {}): string | null {
  const retention = options.retention === undefined ? undefined : parseRetention(options.retention);
  const packed = packFields(fields);
  let stream = store.streams.get(name);
  if (stream === undefined && options.noMkStream === true) {
    if (options.id !== undefined && options.id !== '*') nextId(undefined, options.id);
    return null;
  }
  const { ms, seq } = nextId(stream, options.id);
  if (stream === undefined) {
    stream = new MemoryStream();
    store.streams.set(name, stream);
  }
  const id = formatId(ms, seq);
  stream.push({ id, ms, seq, data: packed.data, ends: packed.ends });
  if (retention !== undefined) applyRetention(stream, retention);
  return id;
}

/** XRANGE / XREVRANGE. */
export function rangeEntries(store: MemoryStore, name: string, start: string, end: string, count: number, reverse: boolean): RawEntry[] {
  const from = parseBound(start, false);
  const to = parseBound(end, true);
  const stream = store.streams.get(name);
  if (stream === undefined || count === 0) return [];
  const stored = reverse ? stream.revRange(from, to, count) : stream.range(from, to, count);
  return stored.map(toRawEntry);
}

/** A read position with `$` resolved and the id parsed. */
export interface ResolvedPosition {
  readonly stream: string;
  readonly after: IdParts;
}

/** Resolves `$` to the stream's current last id and parses the other ids (an incomplete id gets sequence 0). */
export function resolvePositions(store: MemoryStore, positions: readonly ReadPosition[]): ResolvedPosition[] {
  return positions.map((p) => {
    if (p === null || typeof p !== 'object' || typeof p.stream !== 'string') {
      throw new InvalidOptionError('positions', 'each position needs a stream name');
    }
    if (p.after === '$') {
      const s = store.streams.get(p.stream);
      return { stream: p.stream, after: { ms: s?.lastMs ?? 0, seq: s?.lastSeq ?? 0 } };
    }
    return { stream: p.stream, after: parseId(p.after) };
  });
}

/** XREAD without blocking: the streams that have entries after their position. */
export function readEntries(store: MemoryStore, positions: readonly ResolvedPosition[], count: number): StreamEntries[] {
  const out: StreamEntries[] = [];
  for (const p of positions) {
    const stream = store.streams.get(p.stream);
    if (stream === undefined) continue;
    const stored = stream.after(p.after.ms, p.after.seq, count);
    if (stored.length > 0) out.push({ stream: p.stream, entries: stored.map(toRawEntry) });
  }
  return out;
}
