/**
 * From topics to stream keys. A topic with N > 1 shards lives in `<topic>#0`
 * … `<topic>#N-1`; commands that read find the shards by listing, so users
 * name topics, not shards.
 */
import { SHARD_SEPARATOR, streamKey, topicStreams, validateTopic, type Engine } from '@streamerson/core';
import { usageError } from './errors.js';

/** Suffix of the dead-letter stream of a topic (as services name it). */
export const DEAD_LETTER_SUFFIX = ':dlq';

const SHARD_SUFFIX = new RegExp(`\\${SHARD_SEPARATOR}(\\d+)$`);

/** The topic a stream key belongs to (`orders#2` → `orders`). */
export function topicOf(stream: string): string {
  return stream.replace(SHARD_SUFFIX, '');
}

/** Checks a topic argument; a bad name is a usage error. */
export function checkTopic(topic: string): string {
  try {
    return validateTopic(topic);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/**
 * The streams of `topic`: its `shards` streams when given, else the shard
 * streams that exist, else the topic's own key (which may not exist yet).
 */
export async function streamsOfTopic(engine: Engine, topic: string, shards?: number): Promise<string[]> {
  checkTopic(topic);
  if (shards !== undefined) return topicStreams(topic, shards);
  const found = await engine.listStreams(topic);
  const shardStreams = found
    .filter((s) => s.startsWith(topic + SHARD_SEPARATOR) && SHARD_SUFFIX.test(s) && topicOf(s) === topic)
    .sort((a, b) => shardNumber(a) - shardNumber(b));
  return shardStreams.length > 0 ? shardStreams : [streamKey(topic)];
}

function shardNumber(stream: string): number {
  return Number(SHARD_SUFFIX.exec(stream)?.[1] ?? 0);
}
