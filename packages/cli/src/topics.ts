/**
 * From the names users type to stream keys. A topic with N > 1 shards lives
 * in `<topic>#0` … `<topic>#N-1`; commands that read find a topic's streams
 * by listing — which never creates one — so users name topics, not shards.
 * One shard is named `<topic>#<i>` or with `--shard <i>`; any stream that
 * exists may be named as it is, even one whose name is not a valid topic
 * (written by another program).
 */
import { closestMatch } from 'leven';
import { SHARD_SEPARATOR, topicStreams, validateTopic, type Engine } from '@streamerson/core';
import { notFound, usageError } from './errors.js';

/** Suffix of the dead-letter stream of a topic (as services name it: `deadLetterStream` of @streamerson/service). */
export const DEAD_LETTER_SUFFIX = ':dlq';

/** Streams whose name starts with this are internal (reply streams, the registry). */
export const INTERNAL_PREFIX = '_';

/** Stream names listed at most to suggest a close match for a name that does not exist. */
const SUGGESTION_SCAN = 10_000;

const SHARD_SUFFIX = new RegExp(`\\${SHARD_SEPARATOR}(\\d+)$`);

/** The topic a stream key belongs to (`orders#2` → `orders`). */
export function topicOf(stream: string): string {
  return stream.replace(SHARD_SUFFIX, '');
}

/** The shard number of a stream key, or undefined for a stream without one. */
export function shardOf(stream: string): number | undefined {
  const m = SHARD_SUFFIX.exec(stream);
  return m === null ? undefined : Number(m[1]);
}

/** Checks a topic a command writes to; a bad name is a usage error. */
export function checkTopic(topic: string): string {
  try {
    return validateTopic(topic);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/** How a reading command names what it reads. */
export interface StreamSelection {
  /** The topic's shard count, when the user gave it (`--shards`): then no listing. */
  readonly shards?: number;
  /** One shard only (`--shard`). */
  readonly shard?: number;
}

/** The streams of `topic` that exist, the unsharded one first, shards in order. */
export function streamsAmong(topic: string, streams: readonly string[]): string[] {
  return streams
    .filter((s) => s === topic || (s.startsWith(topic + SHARD_SEPARATOR) && shardOf(s) !== undefined && topicOf(s) === topic))
    .sort((a, b) => (shardOf(a) ?? -1) - (shardOf(b) ?? -1));
}

/**
 * The streams `name` stands for, without creating any: with `--shards`, the
 * topic's shard keys (which may not exist yet); else the streams that exist —
 * a topic's unsharded stream and shards, or the one stream of that name. With
 * `--shard` (or a name `topic#i`), one shard. An empty list means nothing of
 * that name exists.
 */
export async function findStreams(engine: Engine, name: string, selection: StreamSelection = {}): Promise<string[]> {
  if (name === '') throw usageError('a topic name cannot be empty');
  if (selection.shard !== undefined) {
    if (selection.shards !== undefined && selection.shard >= selection.shards) {
      throw usageError(`--shard ${selection.shard} is not below --shards ${selection.shards}`);
    }
    const key = selection.shards === 1 ? name : `${name}${SHARD_SEPARATOR}${selection.shard}`;
    if (selection.shards !== undefined) return [key];
    return (await engine.listStreams(key)).includes(key) ? [key] : [];
  }
  if (selection.shards !== undefined) return topicStreams(checkTopic(name), selection.shards);
  return streamsAmong(name, await engine.listStreams(name));
}

/**
 * Like {@link findStreams}, but nothing found is an error (exit 6) that
 * names close matches: "did you mean orders?".
 */
export async function existingStreams(engine: Engine, name: string, selection: StreamSelection = {}): Promise<string[]> {
  const streams = await findStreams(engine, name, selection);
  if (streams.length > 0) return streams;
  const what = selection.shard === undefined ? `topic "${name}"` : `shard ${selection.shard} of topic "${name}"`;
  throw notFound(`${what} does not exist${await suggestion(engine, name)}`);
}

/** ` (did you mean "orders"?)` when a topic with a close name exists, else ''. */
export async function suggestion(engine: Engine, name: string): Promise<string> {
  const topics = [...new Set((await engine.listStreams('', SUGGESTION_SCAN)).map(topicOf))].filter(
    (t) => t !== name && !t.startsWith(INTERNAL_PREFIX) && !t.endsWith(DEAD_LETTER_SUFFIX),
  );
  const close = closestMatch(name, topics, { maxDistance: Math.max(2, Math.floor(name.length / 3)) });
  return close === undefined ? '' : ` (did you mean "${close}"?)`;
}
