/**
 * One payload, encoded and decoded by content type (the `c` and `p` fields of
 * protocol v1; see docs/PROTOCOL.md, "Content types").
 */
import { Packr, C1, type Options } from 'msgpackr';
import { StreamersonError } from '../errors.js';
import type { FieldValue } from '../engine/types.js';
import type { ContentType } from './types.js';

/** The one-letter code of each content type in the `c` field. */
export const CONTENT_TYPE_CODES = Object.freeze({
  json: 'j',
  text: 't',
  binary: 'b',
  msgpack: 'm',
} as const satisfies Record<ContentType, string>);

/** Content type of a `c` field byte, or undefined for an unknown letter. */
export function contentTypeOfCode(code: number): ContentType | undefined {
  switch (code) {
    case 0x6a:
      return 'json';
    case 0x74:
      return 'text';
    case 0x62:
      return 'binary';
    case 0x6d:
      return 'msgpack';
    default:
      return undefined;
  }
}

/**
 * Plain MessagePack that any language's library reads: maps for objects (no
 * record extension), undefined properties skipped as JSON does, 64-bit integers
 * decoded as numbers when they are safe integers and bigints otherwise.
 * `skipValues` and `int64AsType: 'auto'` exist in msgpackr 1.12 at run time but
 * not yet in its type declarations, hence the wider type.
 */
const packrOptions: Omit<Options, 'int64AsType'> & { skipValues: unknown[]; int64AsType: 'auto' } = {
  useRecords: false,
  mapsAsObjects: true,
  skipValues: [undefined],
  encodeUndefinedAsNil: true,
  int64AsType: 'auto',
};
const packr = new Packr(packrOptions as unknown as Options);

/** The content type a payload gets when none is given: `binary` for bytes, `json` otherwise. */
export function inferContentType(payload: unknown): ContentType {
  return payload instanceof Uint8Array ? 'binary' : 'json';
}

function badPayload(contentType: ContentType, why: string, cause?: unknown): StreamersonError {
  return new StreamersonError('ERR_STREAMERSON_BAD_PAYLOAD', `cannot encode payload as ${contentType}: ${why}`, cause === undefined ? undefined : { cause });
}

/** Values JSON and MessagePack cannot carry at the top level (JSON.stringify would return undefined). */
function isUnencodable(payload: unknown): boolean {
  return payload === undefined || typeof payload === 'function' || typeof payload === 'symbol';
}

/**
 * A JSON payload already encoded, written as it is: for a caller that builds
 * the text itself (the gateway's HTTP envelope). The caller vouches that it is
 * one JSON value; nothing checks it. For the `json` content type only.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The JSON text of a payload, as {@link encodePayload} writes it; `ERR_STREAMERSON_BAD_PAYLOAD` for what JSON cannot carry. */
export function encodeJson(payload: unknown): string {
  if (isUnencodable(payload)) throw badPayload('json', `${typeof payload} has no JSON form`);
  try {
    return JSON.stringify(payload);
  } catch (cause) {
    throw badPayload('json', (cause as Error).message, cause);
  }
}

/**
 * The `p` field for a payload. JSON and text are returned as strings (the
 * engine writes them as UTF-8 without a copy here); binary and MessagePack as
 * Buffers. Throws `ERR_STREAMERSON_BAD_PAYLOAD` when the payload does not fit
 * its content type (text that is not a string, binary that is not bytes, JSON of
 * a bigint or a cycle, …).
 */
export function encodePayload(payload: unknown, contentType: ContentType): FieldValue {
  switch (contentType) {
    case 'json':
      return payload instanceof JsonText ? payload.text : encodeJson(payload);
    case 'text':
      if (typeof payload !== 'string') throw badPayload('text', `expected a string, got ${typeof payload}`);
      return payload;
    case 'binary':
      if (Buffer.isBuffer(payload)) return payload;
      if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      throw badPayload('binary', `expected a Buffer or Uint8Array, got ${typeof payload}`);
    case 'msgpack': {
      if (isUnencodable(payload)) throw badPayload('msgpack', `${typeof payload} has no MessagePack form`);
      try {
        return packr.pack(payload);
      } catch (cause) {
        throw badPayload('msgpack', (cause as Error).message, cause);
      }
    }
  }
}

/**
 * Decodes a `p` field. Throws a plain Error when the bytes are not valid for
 * the content type; the codec turns it into a ProtocolError with the raw entry.
 */
export function decodePayload(bytes: Buffer, contentType: ContentType): unknown {
  switch (contentType) {
    case 'json':
      return JSON.parse(bytes.toString('utf8'));
    case 'text':
      return bytes.toString('utf8');
    case 'binary':
      return bytes;
    case 'msgpack': {
      const value: unknown = packr.unpack(bytes);
      // 0xC1 is "never used" in MessagePack; msgpackr returns a marker instead of failing.
      if (value === C1) throw new Error('0xc1 is not a MessagePack value');
      return value;
    }
  }
}
