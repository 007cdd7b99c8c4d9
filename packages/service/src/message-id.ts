/** The message id of an entry that may not decode, for error reports and replies. */
import type { RawEntry } from '@streamerson/core';

/** Bytes of the field names `i` and `p` (docs/PROTOCOL.md §2). */
const ID_FIELD = 0x69;
const PAYLOAD_FIELD = 0x70;

/** The `i` field of an entry, read from its raw fields (those before `p`), or undefined. */
export function rawMessageId(entry: RawEntry): string | undefined {
  const f = entry.fields;
  for (let k = 0; k + 1 < f.length; k += 2) {
    const name = f[k]!;
    if (name.length !== 1) continue;
    if (name[0] === ID_FIELD) return f[k + 1]!.toString('utf8');
    if (name[0] === PAYLOAD_FIELD) return undefined;
  }
  return undefined;
}
