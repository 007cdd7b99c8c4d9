/**
 * From the names users type to stream keys. A topic with N > 1 shards lives
 * in `<topic>#0` … `<topic>#N-1`; commands that read find a topic's streams
 * by listing — which never creates one — so users name topics, not shards.
 * One shard is named `<topic>#<i>` or with `--shard <i>`; any stream that
 * exists may be named as it is, even one whose name is not a valid topic
 * (written by another program).
 */
import { closestMatch } from 'leven';
import { Option } from 'commander';
import { SHARD_SEPARATOR, streamKey, topicStreams, validateTopic, type Engine } from '@streamerson/core';
import { intArg } from './args/numbers.js';
import { notFound, usageError } from './errors.js';
import { plural } from './inspect/units.js';

/** Suffix of the dead-letter stream of a topic (as services name it: `deadLetterStream` of @streamerson/service). */
export const DEAD_LETTER_SUFFIX = ':dlq';

/** Streams whose name starts with this are internal (reply streams, the registry). */
export const INTERNAL_PREFIX = '_';

/** Stream names listed at most to suggest a close match for a name that does not exist. */
const SUGGESTION_SCAN = 10_000;

const SHARD_SUFFIX = new RegExp(`\\${SHARD_SEPARATOR}(0|[1-9]\\d*)$`);

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

/** The `--shard <i>` option of every command that takes a topic: one shard, as `topic#i` names it. */
export function shardOption(description = 'only this shard of the topic (as topic#i)'): Option {
  return new Option('--shard <i>', description).argParser(intArg('--shard', 0));
}

/** A name as users type it: a topic, or one of its shards (`orders#2`, or `orders` with `--shard 2`). */
export interface TopicName {
  readonly topic: string;
  readonly shard?: number;
}

/** A name as `ls` lists it: `orders`, or `orders#2` for one shard (of a topic known to have shards, when `shards` is given). */
export function nameText({ topic, shard, shards }: TopicName & { readonly shards?: number }): string {
  return shard === undefined || shards === 1 ? topic : `${topic}${SHARD_SEPARATOR}${shard}`;
}

/** Splits `topic#i`; `--shard` names the shard otherwise; both at once is a usage error. */
export function parseTopicName(name: string, shard?: number): TopicName {
  if (name === '') throw usageError('a topic name cannot be empty');
  const inName = shardOf(name);
  if (inName === undefined) return shard === undefined ? { topic: name } : { topic: name, shard };
  if (shard !== undefined) throw usageError(`"${name}" names shard ${inName} already: give topic#i or --shard, not both`);
  return { topic: topicOf(name), shard: inName };
}

/** The shard count of a topic stored in `streams` (1 for a topic without shards or streams). */
export function shardCount(streams: readonly string[]): number {
  return Math.max(1, ...streams.map((s) => (shardOf(s) ?? 0) + 1));
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
  const { topic, shard } = parseTopicName(name, selection.shard);
  if (selection.shards !== undefined) {
    if (shard === undefined) checkTopic(topic);
    else checkShard(shard, selection.shards);
    return targetStreams({ topic, shard, shards: selection.shards });
  }
  const streams = streamsAmong(topic, await engine.listStreams(topic));
  if (shard === undefined) return streams;
  const key = `${topic}${SHARD_SEPARATOR}${shard}`;
  if (streams.includes(key)) return [key];
  // Shard 0 of a topic without shards is its one stream.
  return shard === 0 && streams.length === 1 && streams[0] === topic ? [topic] : [];
}

function checkShard(shard: number, shards: number): void {
  if (shard >= shards) throw usageError(`shard ${shard} is not below --shards ${shards}`);
}

/** Where a command that writes sends its messages: the topic and its shard count, and one shard when named. */
export interface WriteTarget {
  readonly topic: string;
  readonly shards: number;
  readonly shard?: number;
}

/** The streams of a target: every shard of its topic, or the one it names. */
export function targetStreams({ topic, shards, shard }: WriteTarget): string[] {
  return shard === undefined ? topicStreams(topic, shards) : [streamKey(topic, shard, shards)];
}

/** The name a command writes to (a topic, `topic#i` or `--shard`), checked before anything is read or connected. */
export function writeName(name: string, selection: StreamSelection = {}): TopicName {
  const parsed = parseTopicName(name, selection.shard);
  checkTopic(parsed.topic);
  if (selection.shards !== undefined && parsed.shard !== undefined) checkShard(parsed.shard, selection.shards);
  return parsed;
}

/**
 * Where messages for `name` (from {@link writeName}) go: the topic's shard
 * count is `--shards`, else that of the streams that exist (1 for a new
 * topic) — so writing never makes a stray stream beside a topic's shards —
 * and a named shard must be below it.
 */
export async function writeTarget(engine: Engine, { topic, shard }: TopicName, givenShards?: number): Promise<WriteTarget> {
  const shards = givenShards ?? shardCount(await findStreams(engine, topic));
  if (shard === undefined) return { topic, shards };
  if (shard >= shards) throw notFound(`shard ${shard} of topic "${topic}" does not exist: it has ${plural(shards, 'shard')} (--shards makes more)`);
  return { topic, shards, shard };
}

/**
 * Like {@link findStreams}, but nothing found is an error (exit 6) that
 * names close matches: "did you mean orders?".
 */
export async function existingStreams(engine: Engine, name: string, selection: StreamSelection = {}): Promise<string[]> {
  const streams = await findStreams(engine, name, selection);
  if (streams.length > 0) return streams;
  const { topic, shard } = parseTopicName(name, selection.shard);
  const what = shard === undefined ? `topic "${topic}"` : `shard ${shard} of topic "${topic}"`;
  throw notFound(`${what} does not exist${await suggestion(engine, topic)}`);
}

/** ` (did you mean "orders"?)` when a topic with a close name exists, else ''. */
export async function suggestion(engine: Engine, name: string): Promise<string> {
  const topics = [...new Set((await engine.listStreams('', SUGGESTION_SCAN)).map(topicOf))].filter(
    (t) => t !== name && !t.startsWith(INTERNAL_PREFIX) && !t.endsWith(DEAD_LETTER_SUFFIX),
  );
  const close = closestMatch(name, topics, { maxDistance: Math.max(2, Math.floor(name.length / 3)) });
  return close === undefined ? '' : ` (did you mean "${close}"?)`;
}
