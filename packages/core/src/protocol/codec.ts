/**
 * Wire protocol v1: one message is one stream entry with the fields
 * `v i t r h c s p`, in that order, where a field holding its default (empty;
 * `c` = `j`) may be left out — this codec writes only `v`, `p` and the fields
 * that differ from their defaults (docs/PROTOCOL.md is the specification).
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
/** Position in {@link FIELD_NAMES} of a one-byte field name, by byte; -1 for other bytes. */
const FIELD_INDEX = new Int8Array(256).fill(-1);
FIELD_NAMES.forEach((name, index) => {
  FIELD_INDEX[name.charCodeAt(0)] = index;
});
const PAYLOAD_INDEX = FIELD_NAMES.length - 1;
const EMPTY: Buffer = Buffer.alloc(0);
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
  return encodeMessageWithHeaders(msg, encodeHeaders(msg.headers));
}

/**
 * {@link encodeMessage} with the `h` field already encoded (by
 * `encodeHeaders` or `encodeHeadersWith`; `''` for none); `msg.headers` is
 * not read.
 */
export function encodeMessageWithHeaders(msg: OutgoingMessage, headers: string): FieldValue[] {
  const id = optionalString(msg.id, 'id');
  const replyTo = optionalString(msg.replyTo, 'replyTo');
  if (replyTo !== '' && id === '') throw new InvalidOptionError('id', 'a request (a message with replyTo) needs a message id');
  const contentType = contentTypeOf(msg);
  const type = optionalString(msg.type, 'type');
  const source = optionalString(msg.source, 'source');
  const payload = encodePayload(msg.payload, contentType);
  const fields: FieldValue[] = ['v', VERSION_TEXT];
  if (id !== '') fields.push('i', id);
  if (type !== '') fields.push('t', type);
  if (replyTo !== '') fields.push('r', replyTo);
  if (headers !== '') fields.push('h', headers);
  if (contentType !== 'json') fields.push('c', CONTENT_TYPE_CODES[contentType]);
  if (source !== '') fields.push('s', source);
  fields.push('p', payload);
  return fields;
}

function badEntry(why: string, stream: string, entry: RawEntry): ProtocolError {
  return new ProtocolError('ERR_STREAMERSON_BAD_ENTRY', why, stream, entry);
}

/** The position in {@link FIELD_NAMES} of a field name, or -1. */
function fieldIndex(name: Buffer): number {
  return name.length === 1 ? FIELD_INDEX[name[0]!]! : -1;
}

/**
 * The raw bytes of the `p` field of a v1 entry (the first field named `p`
 * after `v`), for callers that pass a payload on without decoding it; undefined
 * when there is none. Meaningful for entries that {@link decodeEntry} accepts.
 */
export function payloadBytes(entry: RawEntry): Buffer | undefined {
  const f = entry.fields;
  for (let k = 2; k + 1 < f.length; k += 2) {
    if (fieldIndex(f[k]!) === PAYLOAD_INDEX) return f[k + 1];
  }
  return undefined;
}

/**
 * Decodes an entry read from `stream`. Never throws: an entry that is not a v1
 * message comes back as a {@link ProtocolError} carrying it —
 * `ERR_STREAMERSON_UNSUPPORTED_VERSION` for another version,
 * `ERR_STREAMERSON_BAD_ENTRY` for unknown, repeated or misordered fields before
 * `p`, a missing `p`, bad headers or content type, `ERR_STREAMERSON_BAD_PAYLOAD`
 * for a payload its content type cannot decode. Absent fields take their
 * defaults; pairs after `p` are ignored (room for compatible additions). An
 * empty message id decodes as the entry id.
 */
export function decodeEntry(stream: string, entry: RawEntry): Message | ProtocolError {
  const f = entry.fields;
  if (f.length % 2 !== 0) return badEntry('odd number of field names and values', stream, entry);
  const version = f[1];
  if (f[0] === undefined || fieldIndex(f[0]) !== 0 || version === undefined)
    return badEntry('not a Streamerson message (first field is not "v")', stream, entry);
  if (version.length !== 1 || version[0] !== 0x31) {
    const text = version.toString('latin1');
    return VERSION_NUMBER.test(text)
      ? new ProtocolError(
          'ERR_STREAMERSON_UNSUPPORTED_VERSION',
          `protocol version ${text} is not supported (this library speaks ${PROTOCOL_VERSION})`,
          stream,
          entry,
        )
      : badEntry('field "v" is not a decimal version', stream, entry);
  }
  let id = EMPTY;
  let type = EMPTY;
  let replyTo = EMPTY;
  let h = EMPTY;
  let code: Buffer | undefined;
  let source = EMPTY;
  let p: Buffer | undefined;
  let last = 0;
  for (let k = 2; k < f.length && p === undefined; k += 2) {
    const n = fieldIndex(f[k]!);
    if (n <= last) {
      const name = JSON.stringify(f[k]!.toString('utf8'));
      return badEntry(n < 0 ? `unknown field ${name} before "p"` : `field ${name} repeated or out of order`, stream, entry);
    }
    last = n;
    const value = f[k + 1]!;
    switch (n) {
      case 1:
        id = value;
        break;
      case 2:
        type = value;
        break;
      case 3:
        replyTo = value;
        break;
      case 4:
        h = value;
        break;
      case 5:
        code = value;
        break;
      case 6:
        source = value;
        break;
      case PAYLOAD_INDEX:
        p = value;
        break;
    }
  }
  if (p === undefined) return badEntry('no field "p"', stream, entry);
  const headers = decodeHeaders(h);
  if (headers === undefined) return badEntry('field "h" is neither empty nor a JSON object of strings', stream, entry);
  const contentType = code === undefined ? 'json' : code.length === 1 ? contentTypeOfCode(code[0]!) : undefined;
  if (contentType === undefined) return badEntry(`unknown content type ${JSON.stringify(code!.toString('utf8'))}`, stream, entry);
  let payload: unknown;
  try {
    payload = decodePayload(p, contentType);
  } catch (cause) {
    return new ProtocolError('ERR_STREAMERSON_BAD_PAYLOAD', `payload is not valid ${contentType}`, stream, entry, { cause });
  }
  return {
    version: PROTOCOL_VERSION,
    id: id.length === 0 ? entry.id : id.toString('utf8'),
    stream,
    entryId: entry.id,
    type: type.length === 0 ? '' : type.toString('utf8'),
    replyTo: replyTo.length === 0 ? '' : replyTo.toString('utf8'),
    headers,
    contentType,
    source: source.length === 0 ? '' : source.toString('utf8'),
    payload,
  };
}
