import {
  decodeEntry,
  encodeMessage,
  payloadBytes,
  ProtocolError,
  StreamersonError,
  streamIdTime,
  type FieldValue,
  type OutgoingMessage,
  type RawEntry,
} from '@streamerson/core';

/**
 * The NDJSON lines of `stdio://`, the same as the `streamerson` CLI's: a line
 * is an **envelope** — an object with a `payload` key and no keys but `type`,
 * `headers`, `payload`, `stream` (the stream it goes to), `replyTo` and
 * `messageId` (for requests), plus `id`, `time` and `key`, which are ignored so
 * that `streamerson tap` output can be fed in — or else a **bare payload**, any
 * other JSON value. Output lines are envelopes:
 * `{"id","stream","time","type","headers","payload"}`, plus `replyTo` for a
 * request and `messageId` when the message id is not the entry id (requests, replies).
 */

const ENVELOPE_KEYS = new Set(['type', 'headers', 'payload', 'stream', 'replyTo', 'messageId', 'id', 'time', 'key']);
const NEWLINE = 0x0a;

/** One input line as an append: its stream and fields. */
export interface LineAppend {
  readonly stream: string;
  readonly fields: FieldValue[];
}

function badLine(line: number, why: string, cause?: unknown): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_BAD_INPUT', `stdin line ${line}: ${why}`, cause === undefined ? undefined : { cause });
}

function isEnvelope(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, 'payload')) return false;
  for (const key of Object.keys(value)) if (!ENVELOPE_KEYS.has(key)) return false;
  return true;
}

function optionalString(env: Record<string, unknown>, key: string, line: number): string | undefined {
  const value = env[key];
  if (value !== undefined && typeof value !== 'string') throw badLine(line, `"${key}" must be a string`);
  return value;
}

/**
 * Parses one line; undefined for a blank line. Throws `ERR_STREAMERSON_BAD_INPUT`
 * naming the line for what is not JSON or a malformed envelope.
 */
export function parseLine(text: string, line: number, defaultStream: string): LineAppend | undefined {
  const json = text.trim();
  if (json === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw badLine(line, `not JSON: ${(error as Error).message}`, error);
  }
  if (!isEnvelope(value)) return { stream: defaultStream, fields: encodeMessage({ payload: value }) };
  const stream = optionalString(value, 'stream', line) ?? defaultStream;
  const type = optionalString(value, 'type', line);
  const replyTo = optionalString(value, 'replyTo', line);
  const messageId = optionalString(value, 'messageId', line);
  const headers = value['headers'];
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
    throw badLine(line, '"headers" must be an object of strings');
  }
  const message: OutgoingMessage = {
    payload: value['payload'],
    ...(type === undefined ? {} : { type }),
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(messageId === undefined ? {} : { id: messageId }),
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
  };
  try {
    return { stream, fields: encodeMessage(message) };
  } catch (error) {
    throw badLine(line, (error as Error).message, error);
  }
}

/** JSON that also carries bigints (from MessagePack payloads) and bytes (as base64). */
function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    }) ?? 'null'
  );
}

/** The output line of an entry appended to `stream` (without the newline). */
export function formatLine(stream: string, entry: RawEntry): string {
  const head = `{"id":${JSON.stringify(entry.id)},"stream":${JSON.stringify(stream)},"time":"${new Date(streamIdTime(entry.id)).toISOString()}"`;
  const message = decodeEntry(stream, entry);
  if (message instanceof ProtocolError) {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < entry.fields.length; i += 2) fields[entry.fields[i]!.toString('utf8')] = entry.fields[i + 1]!.toString('utf8');
    return `${head},"fields":${toJson(fields)}}`;
  }
  let payload: string | undefined;
  if (message.contentType === 'json') {
    // A JSON payload of one line goes out byte for byte as it was produced.
    const raw = payloadBytes(entry);
    if (raw !== undefined && raw.indexOf(NEWLINE) === -1) payload = raw.toString('utf8');
  }
  payload ??= toJson(message.payload);
  const replyTo = message.replyTo === '' ? '' : `,"replyTo":${JSON.stringify(message.replyTo)}`;
  const messageId = message.id === entry.id ? '' : `,"messageId":${JSON.stringify(message.id)}`;
  return `${head},"type":${JSON.stringify(message.type)},"headers":${JSON.stringify(message.headers)}${replyTo}${messageId},"payload":${payload}}`;
}
