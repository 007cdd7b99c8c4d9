/**
 * Dead-letter entries. A dead letter is the original entry's fields, unchanged
 * and in order (so a dead-lettered v1 message still decodes as that message:
 * readers ignore pairs after `p`), followed by metadata fields
 * whose names start with `dlq.`.
 */
import type { FieldValue, RawEntry } from '@streamerson/core';

/** Prefix of the metadata field names appended to a dead-lettered entry. */
export const DEAD_LETTER_FIELD_PREFIX = 'dlq.';

/** Why and where a message was dead-lettered. */
export interface DeadLetterMeta {
  /** Stream the message was read from. */
  readonly stream: string;
  /** Its entry id there. */
  readonly entryId: string;
  /** Error code of the last failure (`ERR_STREAMERSON_BAD_ENTRY`, a handler's code, …). */
  readonly errorCode: string;
  /** Message of the last failure. */
  readonly errorMessage: string;
  /** Deliveries when it was given up. */
  readonly deliveries: number;
  /** Service, group and member that gave it up. */
  readonly service: string;
  readonly group: string;
  readonly consumer: string;
  /** Unix time in ms of the last failure. */
  readonly failedAt: number;
  /**
   * Unix time in ms of the first failure seen by the member that gave up (its
   * own retries); equal to `failedAt` when it took the entry over from another member.
   */
  readonly firstFailedAt: number;
}

/** A dead letter read back from a dead-letter stream. */
export interface DeadLetter {
  /** Entry id in the dead-letter stream. */
  readonly id: string;
  /** The original entry: its id in `meta.stream` and its fields. */
  readonly original: RawEntry;
  readonly meta: DeadLetterMeta;
}

const META_NAMES = ['stream', 'entryId', 'errorCode', 'errorMessage', 'deliveries', 'service', 'group', 'consumer', 'failedAt', 'firstFailedAt'] as const;

/** Fields of the dead letter of `raw`. */
export function deadLetterFields(raw: RawEntry, meta: DeadLetterMeta): FieldValue[] {
  const fields: FieldValue[] = [...raw.fields];
  for (const name of META_NAMES) fields.push(DEAD_LETTER_FIELD_PREFIX + name, String(meta[name]));
  return fields;
}

/** Splits a dead-letter entry into the original entry and its metadata; undefined when it carries no metadata. */
export function parseDeadLetter(entry: RawEntry): DeadLetter | undefined {
  const f = entry.fields;
  // The metadata is the trailing run of `dlq.` pairs (older or other writers may add fewer or more).
  let metaStart = f.length - (f.length % 2);
  while (metaStart >= 2 && f[metaStart - 2]!.toString('utf8').startsWith(DEAD_LETTER_FIELD_PREFIX)) metaStart -= 2;
  if (f[metaStart]?.toString('utf8') !== DEAD_LETTER_FIELD_PREFIX + META_NAMES[0]) return undefined;
  const values: Record<string, string> = {};
  for (let i = metaStart; i + 1 < f.length; i += 2) {
    values[f[i]!.toString('utf8').slice(DEAD_LETTER_FIELD_PREFIX.length)] = f[i + 1]!.toString('utf8');
  }
  return {
    id: entry.id,
    original: { id: values['entryId'] ?? '', fields: f.slice(0, metaStart) },
    meta: {
      stream: values['stream'] ?? '',
      entryId: values['entryId'] ?? '',
      errorCode: values['errorCode'] ?? '',
      errorMessage: values['errorMessage'] ?? '',
      deliveries: Number(values['deliveries']),
      service: values['service'] ?? '',
      group: values['group'] ?? '',
      consumer: values['consumer'] ?? '',
      failedAt: Number(values['failedAt']),
      firstFailedAt: Number(values['firstFailedAt'] ?? values['failedAt']),
    },
  };
}
