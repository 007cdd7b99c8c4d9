/**
 * One NDJSON line: a bare payload, or an envelope — an object with a
 * `payload` key and no keys but `type`, `headers`, `payload`, `key` (plus
 * `id`, `stream` and `time`, ignored, so that `tap` output can be fed back).
 */
import { StreamersonError, type AppendItem } from '@streamerson/core';
import { BadInputError } from '../errors.js';
import type { InputMessage, MessageEncoder } from './encoder.js';

const ENVELOPE_KEYS = new Set(['type', 'headers', 'payload', 'key', 'id', 'stream', 'time']);

function isEnvelope(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, 'payload')) return false;
  for (const key of Object.keys(value)) if (!ENVELOPE_KEYS.has(key)) return false;
  return true;
}

function envelopeMessage(env: Record<string, unknown>, line: number): InputMessage {
  const { type, headers, key, payload } = env;
  if (type !== undefined && typeof type !== 'string') throw new BadInputError(line, 'envelope "type" must be a string');
  if (key !== undefined && typeof key !== 'string') throw new BadInputError(line, 'envelope "key" must be a string');
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
    throw new BadInputError(line, 'envelope "headers" must be an object of strings');
  }
  return {
    payload,
    ...(type === undefined ? {} : { type }),
    ...(key === undefined ? {} : { key }),
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
  };
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
    return encoder.message(envelopeMessage(value, line));
  } catch (error) {
    if (error instanceof BadInputError) return error;
    if (error instanceof StreamersonError) return new BadInputError(line, error.message, { cause: error });
    throw error;
  }
}
