/**
 * The fields a dead letter is replayed with. A request keeps its message id
 * and payload bytes but gets a new `deadline` (its old one has passed, and a
 * service acknowledges an expired request without running it); replayed as
 * an event it loses its reply-to and its deadline, and runs with nobody
 * waiting. Only the `r` and `h` fields change; the rest is copied byte for
 * byte, in the protocol's field order.
 */
import { DEADLINE_HEADER, type FieldValue, type Message, type RawEntry } from '@streamerson/core';

/** How a letter goes back: as the request it was (with a new deadline), or as a one-way event. */
export type ReplayAs = 'request' | 'event';

/** Field names before `h` in the protocol's order (`v i t r`); `h` goes after the last of them present. */
const BEFORE_HEADERS = new Set(['v', 'i', 't', 'r']);

/** `original`'s fields with the reply-to and deadline of a replay. */
export function replayFields(original: RawEntry, msg: Message, as: ReplayAs, deadline: number): FieldValue[] {
  const headers: Record<string, string> = { ...msg.headers };
  if (as === 'event' || msg.replyTo === '') delete headers[DEADLINE_HEADER];
  else headers[DEADLINE_HEADER] = String(deadline);
  const h = Object.keys(headers).length === 0 ? undefined : JSON.stringify(headers);
  const out: FieldValue[] = [];
  let placed = h === undefined;
  const f = original.fields;
  for (let k = 0; k + 1 < f.length; k += 2) {
    const name = f[k]!.toString('utf8');
    if (name === 'h') continue;
    if (name === 'r' && as === 'event') continue;
    if (!placed && !BEFORE_HEADERS.has(name)) {
      out.push('h', h!);
      placed = true;
    }
    out.push(f[k]!, f[k + 1]!);
  }
  if (!placed) out.push('h', h!);
  return out;
}
