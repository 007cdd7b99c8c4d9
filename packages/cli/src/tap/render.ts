/**
 * How one entry is shown: its envelope (id, stream, time, type, headers,
 * payload) or its payload alone. Entries that are not protocol-v1 messages
 * (written by other programs) show their raw fields instead of a payload.
 */
import { decodeEntry, payloadBytes, ProtocolError, streamIdTime, type Message, type RawEntry } from '@streamerson/core';

const NEWLINE = 0x0a;

/** A decoded entry: a message, or the raw fields of an entry that is not one. */
export type TapItem =
  | { readonly kind: 'message'; readonly stream: string; readonly entry: RawEntry; readonly message: Message }
  | { readonly kind: 'raw'; readonly stream: string; readonly entry: RawEntry; readonly fields: Record<string, string> };

export function decodeItem(stream: string, entry: RawEntry): TapItem {
  const decoded = decodeEntry(stream, entry);
  if (!(decoded instanceof ProtocolError)) return { kind: 'message', stream, entry, message: decoded };
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < entry.fields.length; i += 2) fields[entry.fields[i]!.toString('utf8')] = entry.fields[i + 1]!.toString('utf8');
  return { kind: 'raw', stream, entry, fields };
}

/** JSON that also carries bigints (from MessagePack payloads) and bytes (as base64). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return v;
  }) ?? 'null';
}

/**
 * The payload as JSON text. A JSON payload is copied byte for byte when it is
 * one line (the common case): no stringify, and what was produced is what is
 * tapped.
 */
export function payloadJson(item: TapItem): string {
  if (item.kind === 'raw') return toJson(item.fields);
  const { message, entry } = item;
  if (message.contentType === 'json') {
    const raw = payloadBytes(entry);
    if (raw !== undefined && raw.indexOf(NEWLINE) === -1) return raw.toString('utf8');
  }
  return toJson(message.payload);
}

/** The payload as a text line: strings as they are, anything else as JSON. */
export function payloadText(item: TapItem): string {
  if (item.kind === 'message' && typeof item.message.payload === 'string') return item.message.payload;
  return payloadJson(item);
}

/** ISO time of an entry id. */
export function timeOf(entry: RawEntry): string {
  return new Date(streamIdTime(entry.id)).toISOString();
}

/** The NDJSON envelope line. */
export function envelopeJson(item: TapItem): string {
  const head = `{"id":${JSON.stringify(item.entry.id)},"stream":${JSON.stringify(item.stream)},"time":"${timeOf(item.entry)}"`;
  if (item.kind === 'raw') return `${head},"fields":${toJson(item.fields)}}`;
  const { type, headers } = item.message;
  return `${head},"type":${JSON.stringify(type)},"headers":${JSON.stringify(headers)},"payload":${payloadJson(item)}}`;
}
