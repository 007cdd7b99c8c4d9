/**
 * One NDJSON line: a bare payload, or an envelope — what `tap` writes, so that
 * its output can be fed back. An envelope is an object whose keys are all
 * envelope keys and that has either `payload` (a message: `type`, `headers`,
 * `key` — the shard key —, `contentType`, `messageId`, `replyTo`, `source`) or
 * `fields` (an entry given field by field, written as it is); `id`, `stream`
 * and `time` are ignored. Bytes are given as `{"$base64"}`, `{"$hex"}` or
 * `{"$escaped"}` (see `io/bytes.ts`): in `fields`, and as the payload of an
 * envelope with a `contentType`.
 */
import { CONTENT_TYPE_CODES, StreamersonError, type AppendItem, type ContentType } from '@streamerson/core';
import { BadInputError } from '../errors.js';
import { fromBytesJson, isBytesJson } from '../io/bytes.js';
import type { InputMessage, MessageEncoder } from './encoder.js';

const ENVELOPE_KEYS = new Set(['type', 'headers', 'payload', 'fields', 'key', 'contentType', 'messageId', 'replyTo', 'source', 'id', 'stream', 'time']);
const STRING_KEYS = ['type', 'key', 'messageId', 'replyTo', 'source'] as const;

function isEnvelope(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.hasOwn(value, 'payload') === Object.hasOwn(value, 'fields')) return false;
  for (const key of Object.keys(value)) if (!ENVELOPE_KEYS.has(key)) return false;
  return true;
}

function stringOf(env: Record<string, unknown>, key: (typeof STRING_KEYS)[number], line: number): string | undefined {
  const value = env[key];
  if (value !== undefined && typeof value !== 'string') throw new BadInputError(line, `envelope "${key}" must be a string`);
  return value;
}

function contentTypeOf(env: Record<string, unknown>, line: number): ContentType | undefined {
  const value = env['contentType'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !Object.hasOwn(CONTENT_TYPE_CODES, value)) {
    throw new BadInputError(line, `envelope "contentType" must be one of ${Object.keys(CONTENT_TYPE_CODES).join(', ')}`);
  }
  return value as ContentType;
}

function envelopeMessage(env: Record<string, unknown>, line: number): InputMessage {
  const { headers, payload } = env;
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
    throw new BadInputError(line, 'envelope "headers" must be an object of strings');
  }
  const contentType = contentTypeOf(env, line);
  if (contentType === 'binary' && !isBytesJson(payload)) {
    throw new BadInputError(line, 'a binary payload must be bytes: {"$base64": …}, {"$hex": …} or {"$escaped": …}');
  }
  const out: Record<string, unknown> = { payload };
  for (const key of STRING_KEYS) {
    const value = stringOf(env, key, line);
    if (value !== undefined) out[key] = value;
  }
  if (headers !== undefined) out['headers'] = headers;
  if (contentType !== undefined) {
    out['contentType'] = contentType;
    if (isBytesJson(payload)) out['payloadBytes'] = fromBytesJson(payload);
  }
  return out as unknown as InputMessage;
}

function envelopeFields(env: Record<string, unknown>, line: number): Buffer[] {
  const { fields } = env;
  if (!Array.isArray(fields) || fields.length === 0 || fields.length % 2 !== 0) {
    throw new BadInputError(line, 'envelope "fields" must be a list of names and values, [name, value, …]');
  }
  return fields.map((f, i) => {
    if (typeof f === 'string') return Buffer.from(f, 'utf8');
    if (isBytesJson(f)) return fromBytesJson(f);
    throw new BadInputError(line, `envelope "fields"[${i}] must be a string or bytes ({"$base64": …})`);
  });
}

function envelopeItem(env: Record<string, unknown>, line: number, encoder: MessageEncoder): AppendItem {
  if (Object.hasOwn(env, 'fields')) return encoder.raw(envelopeFields(env, line), stringOf(env, 'key', line));
  return encoder.message(envelopeMessage(env, line));
}

/** The append of one line; undefined for a blank line; a BadInputError for a malformed one. */
export function parseNdjsonLine(text: string, line: number, encoder: MessageEncoder): AppendItem | BadInputError | undefined {
  const json = text.trim();
  if (json === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return new BadInputError(line, `not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isEnvelope(value)) return encoder.json(json, value);
  try {
    return envelopeItem(value, line, encoder);
  } catch (error) {
    if (error instanceof BadInputError) return error;
    if (error instanceof StreamersonError) return new BadInputError(line, error.message, { cause: error });
    throw error;
  }
}
