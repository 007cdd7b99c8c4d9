/**
 * Parsers of Redis replies read with Buffer encoding: field names and values
 * stay Buffers, ids and names become strings.
 */
import type { ConsumerInfo, GroupInfo, PendingEntry, PendingSummary, RawEntry, StreamEntries, StreamInfo } from '@streamerson/core';

/** A stream entry as Redis sends it; fields are nil for a pending entry deleted from the stream. */
type WireEntry = [id: Buffer, fields: Buffer[] | null];
/** One stream of an XREAD/XREADGROUP reply. */
type WireStream = [name: Buffer, entries: WireEntry[]];

const NO_FIELDS: readonly Buffer[] = Object.freeze([]);

/** Entries of an XRANGE/XCLAIM reply. */
export function toEntries(reply: unknown): RawEntry[] {
  const wire = reply as WireEntry[] | null;
  if (wire === null) return [];
  const out: RawEntry[] = new Array(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const e = wire[i]!;
    // Ids are ASCII; latin1 decodes them without UTF-8 validation.
    out[i] = { id: e[0].toString('latin1'), fields: e[1] ?? NO_FIELDS };
  }
  return out;
}

/** An XREAD/XREADGROUP reply; nil (timeout, nothing new) is an empty list. */
export function toStreamEntries(reply: unknown): StreamEntries[] {
  const wire = reply as WireStream[] | null;
  if (wire === null) return [];
  const out: StreamEntries[] = new Array(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const s = wire[i]!;
    out[i] = { stream: s[0].toString(), entries: toEntries(s[1]) };
  }
  return out;
}

/** A flat `[key, value, key, value…]` reply as a map keyed by string. */
function toMap(reply: unknown): Map<string, unknown> {
  const flat = reply as unknown[];
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}

function str(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString() : String(value);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(str(value));
}

function entryOrNull(value: unknown): RawEntry | null {
  if (value === null || value === undefined) return null;
  return toEntries([value])[0] ?? null;
}

/** The last generated id from an XINFO STREAM reply. */
export function lastGeneratedId(reply: unknown): string {
  return str(toMap(reply).get('last-generated-id'));
}

/** One consumer of an XINFO CONSUMERS reply; `inactive` exists from Redis 7.2. */
function toConsumer(reply: unknown): ConsumerInfo {
  const m = toMap(reply);
  const inactive = m.get('inactive');
  return {
    name: str(m.get('name')),
    pending: num(m.get('pending')),
    idleMs: num(m.get('idle')),
    inactiveMs: inactive === undefined || inactive === null || num(inactive) < 0 ? null : num(inactive),
  };
}

/** Fields of one group of an XINFO GROUPS reply, before its consumers are known. */
export interface WireGroup {
  readonly name: string;
  readonly pending: number;
  readonly lastDeliveredId: string;
  readonly lag: number | null;
}

/** Groups of an XINFO GROUPS reply. */
export function toGroups(reply: unknown): WireGroup[] {
  return (reply as unknown[]).map((g) => {
    const m = toMap(g);
    const lag = m.get('lag');
    return {
      name: str(m.get('name')),
      pending: num(m.get('pending')),
      lastDeliveredId: str(m.get('last-delivered-id')),
      lag: lag === undefined || lag === null ? null : num(lag),
    };
  });
}

/** A {@link StreamInfo} from XINFO STREAM, XINFO GROUPS and one XINFO CONSUMERS per group. */
export function toStreamInfo(stream: string, streamReply: unknown, groups: WireGroup[], consumers: unknown[]): StreamInfo {
  const m = toMap(streamReply);
  const groupInfos: GroupInfo[] = groups.map((g, i) => ({
    ...g,
    consumers: ((consumers[i] as unknown[] | undefined) ?? []).map(toConsumer),
  }));
  return {
    stream,
    length: num(m.get('length')),
    firstEntry: entryOrNull(m.get('first-entry')),
    lastEntry: entryOrNull(m.get('last-entry')),
    lastGeneratedId: str(m.get('last-generated-id')),
    entriesAdded: num(m.get('entries-added') ?? m.get('length')),
    groups: groupInfos,
  };
}

/** An XPENDING summary reply. */
export function toPendingSummary(reply: unknown): PendingSummary {
  const [count, lowest, highest, consumers] = reply as [number, Buffer | null, Buffer | null, [Buffer, Buffer][] | null];
  return {
    count,
    lowestId: lowest === null ? null : lowest.toString(),
    highestId: highest === null ? null : highest.toString(),
    consumers: (consumers ?? []).map(([name, pending]) => ({ name: name.toString(), pending: Number(pending.toString()) })),
  };
}

/** An XPENDING range reply. */
export function toPendingEntries(reply: unknown): PendingEntry[] {
  return (reply as [Buffer, Buffer, number, number][]).map(([id, consumer, idleMs, deliveries]) => ({
    id: id.toString(),
    consumer: consumer.toString(),
    idleMs,
    deliveries,
  }));
}

/** Ids of a reply that lists them (XAUTOCLAIM deleted ids). */
export function toIds(reply: unknown): string[] {
  return ((reply as Buffer[] | null) ?? []).map((b) => b.toString());
}
