/**
 * Where `tap` reads from: plain reads after a position (non-blocking until
 * caught up, or blocking with `--follow`), or a consumer group (first this
 * consumer's own pending entries, then new ones).
 */
import type { BlockingReader, Engine, GroupReadPosition, ReadPosition, StreamEntries } from '@streamerson/core';

/** Entries per read. */
export const TAP_READ_COUNT = 1000;
/** Longest block of one follow read; the stop signal also interrupts it. */
export const TAP_BLOCK_MS = 2000;

export interface SourceOptions {
  readonly follow: boolean;
  readonly signal: AbortSignal;
  /** Most entries still wanted (`--count`); reads never fetch more, so a group tap leaves nothing unacknowledged. */
  readonly wanted?: () => number;
}

function countOf(options: SourceOptions): number {
  return Math.max(1, Math.min(TAP_READ_COUNT, options.wanted?.() ?? TAP_READ_COUNT));
}

/** Runs `body` with a blocking reader that the stop signal closes. */
async function* withReader<T>(engine: Engine, signal: AbortSignal, body: (reader: BlockingReader) => AsyncGenerator<T>): AsyncGenerator<T> {
  const reader = engine.openReader();
  const close = () => void reader.close();
  signal.addEventListener('abort', close, { once: true });
  try {
    yield* body(reader);
  } finally {
    signal.removeEventListener('abort', close);
    await reader.close();
  }
}

function advance(positions: Map<string, string>, batches: readonly StreamEntries[]): number {
  let n = 0;
  for (const { stream, entries } of batches) {
    const last = entries.at(-1);
    if (last !== undefined) positions.set(stream, last.id);
    n += entries.length;
  }
  return n;
}

function toPositions(positions: Map<string, string>): ReadPosition[] {
  return [...positions].map(([stream, after]) => ({ stream, after }));
}

/** Plain reads after the given id of each stream. */
export async function* plainBatches(engine: Engine, after: Map<string, string>, options: SourceOptions): AsyncGenerator<StreamEntries[]> {
  const positions = new Map(after);
  while (!options.signal.aborted) {
    const batches = await engine.read(toPositions(positions), { count: countOf(options) });
    if (advance(positions, batches) === 0) break;
    yield batches;
  }
  if (!options.follow || options.signal.aborted) return;
  yield* withReader(engine, options.signal, async function* (reader) {
    while (!options.signal.aborted) {
      const batches = await reader.read(toPositions(positions), { count: countOf(options), blockMs: TAP_BLOCK_MS });
      if (advance(positions, batches) > 0) yield batches;
    }
  });
}

/** Group reads: this consumer's pending entries first, then entries new to the group. */
export async function* groupBatches(
  engine: Engine,
  streams: readonly string[],
  group: string,
  consumer: string,
  options: SourceOptions,
): AsyncGenerator<StreamEntries[]> {
  const pending = new Map(streams.map((s) => [s, '0']));
  while (!options.signal.aborted && pending.size > 0) {
    const positions: GroupReadPosition[] = [...pending].map(([stream, after]) => ({ stream, after }));
    const batches = await engine.readGroup(group, consumer, positions, { count: countOf(options) });
    for (const { stream, entries } of batches) {
      if (entries.length === 0) pending.delete(stream);
      else pending.set(stream, entries.at(-1)!.id);
    }
    // Entries deleted while pending come back without fields: nothing to show, so
    // they are acknowledged here instead of coming back on every start.
    for (const { stream, entries } of batches) {
      const gone = entries.filter((e) => e.fields.length === 0).map((e) => e.id);
      if (gone.length > 0) await engine.ack(stream, group, gone);
    }
    const live = batches.map((b) => ({ stream: b.stream, entries: b.entries.filter((e) => e.fields.length > 0) }));
    if (live.some((b) => b.entries.length > 0)) yield live;
  }
  const fresh: GroupReadPosition[] = streams.map((stream) => ({ stream, after: '>' }));
  while (!options.signal.aborted) {
    const batches = await engine.readGroup(group, consumer, fresh, { count: countOf(options) });
    if (!batches.some((b) => b.entries.length > 0)) break;
    yield batches;
  }
  if (!options.follow || options.signal.aborted) return;
  yield* withReader(engine, options.signal, async function* (reader) {
    while (!options.signal.aborted) {
      const batches = await reader.readGroup(group, consumer, fresh, { count: countOf(options), blockMs: TAP_BLOCK_MS });
      if (batches.some((b) => b.entries.length > 0)) yield batches;
    }
  });
}
