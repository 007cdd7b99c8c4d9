/**
 * Bytes in JSON, losslessly. A value that is valid UTF-8 is a JSON string; any
 * other value is a one-key object — `{"$base64": "AAH//g=="}` (the default),
 * `{"$hex": "0001fffe"}` or `{"$escaped": "\\x00\\x01\\xff\\xfe"}` (as
 * redis-cli shows bytes) — which `produce` reads back into the same bytes.
 */
import { isUtf8 } from 'node:buffer';
import { usageError } from '../errors.js';

export type BytesStyle = 'base64' | 'hex' | 'escape';

/** The styles of `--bytes`, the first one the default. */
export const BYTES_STYLES: readonly BytesStyle[] = ['base64', 'hex', 'escape'];

/** Bytes as JSON: `{"$base64": …}`, `{"$hex": …}` or `{"$escaped": …}`. */
export type BytesJson = { readonly $base64: string } | { readonly $hex: string } | { readonly $escaped: string };

const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;
const BACKSLASH = 0x5c;

function escaped(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === BACKSLASH) out += '\\\\';
    else if (b >= PRINTABLE_FIRST && b <= PRINTABLE_LAST) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Bytes as a {@link BytesJson} object in `style`. */
export function bytesJson(bytes: Uint8Array, style: BytesStyle): BytesJson {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (style) {
    case 'base64':
      return { $base64: buffer.toString('base64') };
    case 'hex':
      return { $hex: buffer.toString('hex') };
    case 'escape':
      return { $escaped: escaped(buffer) };
  }
}

/** A field value as JSON: its text when it is valid UTF-8, else a {@link BytesJson}. */
export function textOrBytes(value: Buffer, style: BytesStyle): string | BytesJson {
  return isUtf8(value) ? value.toString('utf8') : bytesJson(value, style);
}

/** True for an object of exactly one key `$base64`, `$hex` or `$escaped` holding a string. */
export function isBytesJson(value: unknown): value is BytesJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const key = keys[0]!;
  return (key === '$base64' || key === '$hex' || key === '$escaped') && typeof (value as Record<string, unknown>)[key] === 'string';
}

function unescapeBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== BACKSLASH) {
      if (c > 0xff) throw usageError(`"$escaped" holds the character ${JSON.stringify(text[i])}, which is not a byte`);
      out.push(c);
    } else if (text[i + 1] === '\\') {
      out.push(BACKSLASH);
      i++;
    } else if (text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      throw usageError(`"$escaped" has a backslash that is neither \\\\ nor \\xNN at ${i}`);
    }
  }
  return Buffer.from(out);
}

/** The bytes of a {@link BytesJson}; throws a usage error when its text is not of its encoding. */
export function fromBytesJson(value: BytesJson): Buffer {
  if ('$base64' in value) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.$base64) || value.$base64.length % 4 !== 0) throw usageError('"$base64" is not base64');
    return Buffer.from(value.$base64, 'base64');
  }
  if ('$hex' in value) {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(value.$hex)) throw usageError('"$hex" is not an even number of hex digits');
    return Buffer.from(value.$hex, 'hex');
  }
  return unescapeBytes(value.$escaped);
}
