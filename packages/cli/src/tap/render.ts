/**
 * How one entry is shown, losslessly: a protocol-v1 message as its envelope
 * (id, stream, time, type, headers, payload, and what else it carries) or its
 * payload alone; any other entry — or every entry with `--raw` — as its fields,
 * name and value in order, as Redis stores them. Bytes that are not valid
 * UTF-8 are shown as {@link BytesJson} objects.
 */
import { isUtf8 } from 'node:buffer';
import { decodeEntry, payloadBytes, ProtocolError, streamIdTime, type Message, type RawEntry } from '@streamerson/core';
import { bytesJson, textOrBytes, type BytesStyle } from '../io/bytes.js';

const NEWLINE = 0x0a;
const PAYLOAD_FIELD = 0x70; // "p"

/** A decoded entry: a message, or the raw fields of an entry that is not one. */
export type TapItem =
  | { readonly kind: 'message'; readonly stream: string; readonly entry: RawEntry; readonly message: Message }
  | { readonly kind: 'raw'; readonly stream: string; readonly entry: RawEntry };

/** True when every field of a v1 entry but the payload is valid UTF-8, so its decoded strings are exact. */
function textFieldsExact(entry: RawEntry): boolean {
  const f = entry.fields;
  for (let k = 0; k + 1 < f.length; k += 2) {
    const name = f[k]!;
    if (name.length === 1 && name[0] === PAYLOAD_FIELD) return true;
    if (!isUtf8(f[k + 1]!)) return false;
  }
  return true;
}

/**
 * The entry as a message when it is one by the rules of docs/PROTOCOL.md (and
 * can be shown exactly), else raw; always raw with `raw`.
 */
export function decodeItem(stream: string, entry: RawEntry, raw = false): TapItem {
  if (!raw && textFieldsExact(entry)) {
    const decoded = decodeEntry(stream, entry);
    if (!(decoded instanceof ProtocolError)) return { kind: 'message', stream, entry, message: decoded };
  }
  return { kind: 'raw', stream, entry };
}

/** JSON of a value: bigints (from MessagePack payloads) as decimal strings, bytes as {@link BytesJson}. */
export function toJson(value: unknown, style: BytesStyle = 'base64'): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return bytesJson(v, style);
      if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
        return bytesJson(Buffer.from((v as { data: number[] }).data), style);
      }
      return v;
    }) ?? 'null'
  );
}

/** The fields of an entry as a flat JSON list `[name, value, …]`, each a string or bytes. */
export function fieldsJson(entry: RawEntry, style: BytesStyle): string {
  return JSON.stringify(entry.fields.map((f) => textOrBytes(f, style)));
}

/** Whether the payload is shown as bytes rather than as its decoded value. */
function payloadAsBytes(message: Message, entry: RawEntry): Buffer | undefined {
  if (message.contentType === 'binary') return message.payload as Buffer;
  if (message.contentType === 'json' || message.contentType === 'text') {
    const raw = payloadBytes(entry);
    if (raw !== undefined && !isUtf8(raw)) return raw;
  }
  return undefined;
}

/**
 * The payload as JSON text. A JSON payload is copied byte for byte when it is
 * valid UTF-8 on one line (the common case): no stringify, and what was
 * produced is what is tapped. Bytes (a binary payload, text or JSON that is
 * not UTF-8) are a {@link BytesJson}. A raw entry's payload is its fields.
 */
export function payloadJson(item: TapItem, style: BytesStyle): string {
  if (item.kind === 'raw') return fieldsJson(item.entry, style);
  const { message, entry } = item;
  const bytes = payloadAsBytes(message, entry);
  if (bytes !== undefined) return JSON.stringify(bytesJson(bytes, style));
  if (message.contentType === 'json') {
    const raw = payloadBytes(entry);
    if (raw !== undefined && raw.indexOf(NEWLINE) === -1) return raw.toString('utf8');
  }
  return toJson(message.payload, style);
}

/** The payload as a text line: strings as they are, anything else as JSON. */
export function payloadText(item: TapItem, style: BytesStyle): string {
  if (item.kind === 'message' && typeof item.message.payload === 'string' && payloadAsBytes(item.message, item.entry) === undefined) {
    return item.message.payload;
  }
  return payloadJson(item, style);
}

/** ISO time of an entry id. */
export function timeOf(entry: RawEntry): string {
  return new Date(streamIdTime(entry.id)).toISOString();
}

/**
 * The NDJSON envelope line: `{"id","stream","time","type","headers","payload"}`,
 * then — only when they are not their defaults — `contentType` (or when the
 * payload is shown as bytes), `messageId`, `replyTo` and `source`. A raw entry:
 * `{"id","stream","time","fields"}`.
 */
export function envelopeJson(item: TapItem, style: BytesStyle): string {
  const head = `{"id":${JSON.stringify(item.entry.id)},"stream":${JSON.stringify(item.stream)},"time":"${timeOf(item.entry)}"`;
  if (item.kind === 'raw') return `${head},"fields":${fieldsJson(item.entry, style)}}`;
  const { message, entry } = item;
  let tail = '';
  if (message.contentType !== 'json' || payloadAsBytes(message, entry) !== undefined) tail += `,"contentType":"${message.contentType}"`;
  if (message.id !== entry.id) tail += `,"messageId":${JSON.stringify(message.id)}`;
  if (message.replyTo !== '') tail += `,"replyTo":${JSON.stringify(message.replyTo)}`;
  if (message.source !== '') tail += `,"source":${JSON.stringify(message.source)}`;
  return `${head},"type":${JSON.stringify(message.type)},"headers":${JSON.stringify(message.headers)},"payload":${payloadJson(item, style)}${tail}}`;
}
