/**
 * Wire protocol v1: one message is one stream entry with the eight fields
 * `v i t r h c s p`, in that order (docs/PROTOCOL.md is the specification).
 * Both directions run for every message, so they allocate little: encoding
 * builds one array, decoding compares one-byte names without making strings.
 */
import { InvalidOptionError, ProtocolError } from '../errors.js';
import type { FieldValue, RawEntry } from '../engine/types.js';
import type { ContentType, Message, OutgoingMessage } from './types.js';
import { decodeHeaders, encodeHeaders } from './headers.js';
import { CONTENT_TYPE_CODES, contentTypeOfCode, decodePayload, encodePayload, inferContentType } from './payload.js';

/** The protocol version this library writes and reads. */
export const PROTOCOL_VERSION = 1;

/** The field names of a v1 entry, in order: version, id, type, reply-to, headers, content type, source, payload. */
export const FIELD_NAMES = Object.freeze(['v', 'i', 't', 'r', 'h', 'c', 's', 'p'] as const);

const VERSION_TEXT = String(PROTOCOL_VERSION);
const FIELD_COUNT = FIELD_NAMES.length * 2;
const NAME_CODES = FIELD_NAMES.map((name) => name.charCodeAt(0));
const VERSION_NUMBER = /^(?:0|[1-9][0-9]{0,8})$/;

function optionalString(value: unknown, option: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new InvalidOptionError(option, `expected a string, got ${typeof value}`);
  return value;
}

function contentTypeOf(msg: OutgoingMessage): ContentType {
  const given = msg.contentType;
  if (given === undefined) return inferContentType(msg.payload);
  if (!Object.hasOwn(CONTENT_TYPE_CODES, given)) {
    throw new InvalidOptionError('contentType', `expected json, text, binary or msgpack, got ${JSON.stringify(given)}`);
  }
  return given;
}

/**
 * Encodes a message as the flat field list `[name, value, …]` for
 * `Engine.append`. Throws `ERR_STREAMERSON_BAD_PAYLOAD` when the payload does
 * not fit its content type, and `ERR_STREAMERSON_INVALID_OPTION` naming the
 * field for a non-string id/type/replyTo/source, a non-string header value, an
 * unknown content type, or a request (non-empty `replyTo`) without an id.
 */
export function encodeMessage(msg: OutgoingMessage): FieldValue[] {
  if (typeof msg !== 'object' || msg === null) throw new InvalidOptionError('message', 'expected an object');
  const id = optionalString(msg.id, 'id');
  const replyTo = optionalString(msg.replyTo, 'replyTo');
  if (replyTo !== '' && id === '') throw new InvalidOptionError('id', 'a request (a message with replyTo) needs a message id');
  const contentType = contentTypeOf(msg);
  return [
    'v', VERSION_TEXT,
    'i', id,
    't', optionalString(msg.type, 'type'),
    'r', replyTo,
    'h', encodeHeaders(msg.headers),
    'c', CONTENT_TYPE_CODES[contentType],
    's', optionalString(msg.source, 'source'),
    'p', encodePayload(msg.payload, contentType),
  ];
}

function badEntry(why: string, stream: string, entry: RawEntry): ProtocolError {
  return new ProtocolError('ERR_STREAMERSON_BAD_ENTRY', why, stream, entry);
}

function isName(field: Buffer | undefined, index: number): boolean {
  return field !== undefined && field.length === 1 && field[0] === NAME_CODES[index];
}

/**
 * Decodes an entry read from `stream`. Never throws: an entry that is not a v1
 * message comes back as a {@link ProtocolError} carrying it —
 * `ERR_STREAMERSON_UNSUPPORTED_VERSION` for another version,
 * `ERR_STREAMERSON_BAD_ENTRY` for wrong fields, headers or content type,
 * `ERR_STREAMERSON_BAD_PAYLOAD` for a payload its content type cannot decode.
 * Pairs after the eighth field are ignored (room for compatible additions).
 * An empty message id decodes as the entry id.
 */
export function decodeEntry(stream: string, entry: RawEntry): Message | ProtocolError {
  const f = entry.fields;
  if (f.length % 2 !== 0) return badEntry('odd number of field names and values', stream, entry);
  const version = f[1];
  if (!isName(f[0], 0) || version === undefined) return badEntry('not a Streamerson message (first field is not "v")', stream, entry);
  if (version.length !== 1 || version[0] !== 0x31) {
    const text = version.toString('latin1');
    return VERSION_NUMBER.test(text)
      ? new ProtocolError('ERR_STREAMERSON_UNSUPPORTED_VERSION', `protocol version ${text} is not supported (this library speaks ${PROTOCOL_VERSION})`, stream, entry)
      : badEntry('field "v" is not a decimal version', stream, entry);
  }
  if (f.length < FIELD_COUNT) return badEntry(`expected ${FIELD_NAMES.length} fields, got ${f.length / 2}`, stream, entry);
  for (let n = 1; n < FIELD_NAMES.length; n++) {
    if (!isName(f[n * 2], n)) return badEntry(`field ${n + 1} must be "${FIELD_NAMES[n]}"`, stream, entry);
  }
  // Non-null from here on: the length check above covers every index read below.
  const headers = decodeHeaders(f[9]!);
  if (headers === undefined) return badEntry('field "h" is neither empty nor a JSON object of strings', stream, entry);
  const code = f[11]!;
  const contentType = code.length === 1 ? contentTypeOfCode(code[0]!) : undefined;
  if (contentType === undefined) return badEntry(`unknown content type ${JSON.stringify(code.toString('utf8'))}`, stream, entry);
  let payload: unknown;
  try {
    payload = decodePayload(f[15]!, contentType);
  } catch (cause) {
    return new ProtocolError('ERR_STREAMERSON_BAD_PAYLOAD', `payload is not valid ${contentType}`, stream, entry, { cause });
  }
  const id = f[3]!;
  return {
    version: PROTOCOL_VERSION,
    id: id.length === 0 ? entry.id : id.toString('utf8'),
    stream,
    entryId: entry.id,
    type: f[5]!.toString('utf8'),
    replyTo: f[7]!.toString('utf8'),
    headers,
    contentType,
    source: f[13]!.toString('utf8'),
    payload,
  };
}
