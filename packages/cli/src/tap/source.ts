/**
 * Where `tap` (and `relay`) read from: plain reads after a position
 * (non-blocking until caught up, then blocking with `--follow`), or a consumer
 * group (first this consumer's own pending entries, then new ones). While
 * following, streams of a topic that appear later — the topic itself when it
 * did not exist yet, new shards — are found and read too, without creating
 * anything: plain reads simply include the keys they may appear under, group
 * reads look for them whenever a wait ends with nothing to read.
 */
import {
  compareStreamIds,
  MIN_STREAM_ID,
  type BlockingReader,
  type Engine,
  type GroupReadPosition,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import { pause } from '../lifecycle.js';
import { shardOf } from '../topics.js';

/** Entries per read. */
export const TAP_READ_COUNT = 1000;
/** Longest block of one follow read; the stop signal also interrupts it. */
export const TAP_BLOCK_MS = 2000;
/** Shards beyond the highest one known that a follow watches for (a topic that grows to more shards). */
export const WATCHED_NEW_SHARDS = 4;

export interface SourceOptions {
  readonly follow: boolean;
  readonly signal: AbortSignal;
  /** Most entries still wanted (`--count`); reads never fetch more, so a group tap leaves nothing unacknowledged. */
  readonly wanted?: () => number;
  /** Stop each stream at this id (included): what an earlier pass over the same range saw. */
  readonly until?: ReadonlyMap<string, string>;
}

/**
 * A topic being followed: the streams known to hold it, and the keys it may
 * appear under next (its own key while it has none, the next shards).
 */
export class TopicWatch {
  readonly #topic: string;
  readonly #known = new Set<string>();

  /** `streams` is what exists now; `fixed` (the user named the streams) watches for nothing more. */
  constructor(
    topic: string,
    streams: readonly string[],
    private readonly fixed = false,
  ) {
    this.#topic = topic;
    for (const s of streams) this.#known.add(s);
  }

  /** Keys that do not hold the topic yet but may. */
  candidates(): string[] {
    if (this.fixed) return [];
    const shards = [...this.#known].map(shardOf).filter((n): n is number => n !== undefined);
    const next = shards.length === 0 ? 0 : Math.max(...shards) + 1;
    const keys = Array.from({ length: WATCHED_NEW_SHARDS }, (_, i) => `${this.#topic}#${next + i}`);
    return this.#known.size === 0 ? [this.#topic, ...keys] : keys;
  }

  /** Notes that `stream` holds the topic; true when it was not known. */
  found(stream: string): boolean {
    if (this.#known.has(stream)) return false;
    this.#known.add(stream);
    return true;
  }
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

/** Notes how far each stream was read; with `until`, drops what lies past it and the streams that reached it. */
function advance(batches: readonly StreamEntries[], positions: Map<string, string>, until: ReadonlyMap<string, string> | undefined): StreamEntries[] {
  const kept: StreamEntries[] = [];
  for (const { stream, entries } of batches) {
    const last = entries.at(-1);
    if (last === undefined) continue;
    positions.set(stream, last.id);
    const end = until?.get(stream);
    if (end === undefined) {
      kept.push({ stream, entries });
      continue;
    }
    const inside = entries.filter((e) => compareStreamIds(e.id, end) <= 0);
    if (inside.length > 0) kept.push({ stream, entries: inside });
    if (compareStreamIds(last.id, end) >= 0) positions.delete(stream);
  }
  return kept;
}

function toPositions(positions: ReadonlyMap<string, string>): ReadPosition[] {
  return [...positions].map(([stream, after]) => ({ stream, after }));
}

/**
 * Plain reads after the given id of each stream. While following, the keys
 * the watched topics may appear under are read too, from their beginning.
 */
export async function* plainBatches(
  engine: Engine,
  after: ReadonlyMap<string, string>,
  options: SourceOptions,
  watches: readonly TopicWatch[] = [],
): AsyncGenerator<StreamEntries[]> {
  const { until } = options;
  // With an end, only the streams that have entries up to it are read.
  const positions = new Map([...after].filter(([stream, id]) => until === undefined || (until.has(stream) && compareStreamIds(id, until.get(stream)!) < 0)));
  while (!options.signal.aborted && positions.size > 0) {
    const batches = advance(await engine.read(toPositions(positions), { count: countOf(options) }), positions, until);
    if (!batches.some((b) => b.entries.length > 0)) break;
    yield batches;
  }
  if (!options.follow || options.signal.aborted) return;
  yield* withReader(engine, options.signal, async function* (reader) {
    while (!options.signal.aborted) {
      const read = new Map(positions);
      for (const w of watches) for (const key of w.candidates()) if (!read.has(key)) read.set(key, MIN_STREAM_ID);
      const batches = await reader.read(toPositions(read), { count: countOf(options), blockMs: TAP_BLOCK_MS });
      for (const { stream, entries } of batches) {
        if (entries.length === 0) continue;
        for (const w of watches) w.found(stream);
        positions.set(stream, entries.at(-1)!.id);
      }
      if (batches.some((b) => b.entries.length > 0)) yield batches;
    }
  });
}

/** A consumer group on a stream found while following: created at its beginning (all of it is new to the tap). */
async function joinNewStreams(engine: Engine, group: string, watches: readonly TopicWatch[], fresh: GroupReadPosition[]): Promise<void> {
  for (const w of watches) {
    for (const key of w.candidates()) {
      // A stream that exists but holds nothing yet is joined once it does.
      if ((await engine.length(key)) === 0) continue;
      await engine.createGroup(key, group, MIN_STREAM_ID);
      w.found(key);
      fresh.push({ stream: key, after: '>' });
    }
  }
}

/**
 * Group reads: this consumer's pending entries first, then entries new to the
 * group. The group must exist on `streams`; while following, streams of the
 * watched topics that appear later are joined (the group created on them).
 */
export async function* groupBatches(
  engine: Engine,
  streams: readonly string[],
  group: string,
  consumer: string,
  options: SourceOptions,
  watches: readonly TopicWatch[] = [],
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
  while (!options.signal.aborted && fresh.length > 0) {
    const batches = await engine.readGroup(group, consumer, fresh, { count: countOf(options) });
    if (!batches.some((b) => b.entries.length > 0)) break;
    yield batches;
  }
  if (!options.follow || options.signal.aborted) return;
  yield* withReader(engine, options.signal, async function* (reader) {
    while (!options.signal.aborted) {
      if (fresh.length === 0) {
        await pause(TAP_BLOCK_MS, options.signal);
        await joinNewStreams(engine, group, watches, fresh);
        continue;
      }
      const batches = await reader.readGroup(group, consumer, fresh, { count: countOf(options), blockMs: TAP_BLOCK_MS });
      if (batches.some((b) => b.entries.length > 0)) yield batches;
      else await joinNewStreams(engine, group, watches, fresh);
    }
  });
}
