/**
 * The benchmark payload: a small product record whose numbers vary per
 * message, padded to a target JSON size, so both sides write realistic bytes
 * rather than one string repeated.
 */

/** The record every scenario sends; below about 90 bytes only `id`, `price` and `note`. */
export interface BenchPayload {
  readonly id: number;
  readonly name?: string;
  readonly price: number;
  readonly tags?: readonly string[];
  readonly active?: boolean;
  readonly note: string;
}

function price(i: number): number {
  return 10 + (i % 9_000) / 100;
}

/**
 * The record of message `i`, its JSON padded to about `bytes` long (within a
 * few bytes: the numbers vary in length). Sizes below the full record's own
 * size get the compact record.
 */
export function makePayload(i: number, bytes: number): BenchPayload {
  const full = {
    id: 100_000 + i,
    name: `widget-${String(i % 1_000_000).padStart(6, '0')}`,
    price: price(i),
    tags: ['a', 'b', 'c'],
    active: i % 2 === 0,
    note: '',
  };
  const fullMissing = bytes - JSON.stringify(full).length;
  if (fullMissing >= 0) {
    full.note = 'x'.repeat(fullMissing);
    return full;
  }
  const compact = { id: 100_000 + i, price: price(i), note: '' };
  compact.note = 'x'.repeat(Math.max(0, bytes - JSON.stringify(compact).length));
  return compact;
}

/** `count` payloads of about `bytes` bytes each, built before timing starts. */
export function makePayloads(count: number, bytes: number): BenchPayload[] {
  const out = new Array<BenchPayload>(count);
  for (let i = 0; i < count; i++) out[i] = makePayload(i, bytes);
  return out;
}
