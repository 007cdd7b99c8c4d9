/**
 * Key naming. A topic is stored in one stream per shard:
 *
 * - a topic with one shard is the stream whose key is the topic name (`orders`);
 * - shard `i` of a topic with N > 1 shards is `orders#i`.
 *
 * Keys carry no hash tag of their own, so on a Redis Cluster each topic and each
 * shard hashes to its own slot. Keys that a command or script touches together
 * with a stream (dedupe records, offsets) are made with {@link auxKey}: they wrap
 * the stream's hash tag in braces and so land in the stream's slot.
 */
import { InvalidOptionError } from './errors.js';

/** Separates a topic from its shard number in a stream key. */
export const SHARD_SEPARATOR = '#';

/** Longest topic name accepted. */
export const MAX_TOPIC_LENGTH = 200;

const TOPIC = /^[A-Za-z0-9_.:/-]+$/;

/**
 * Checks a topic name: 1-200 characters of letters, digits and `_ . : / -`.
 * Throws `ERR_STREAMERSON_INVALID_OPTION` naming `option`.
 */
export function validateTopic(topic: unknown, option = 'topic'): string {
  if (typeof topic !== 'string' || !TOPIC.test(topic) || topic.length > MAX_TOPIC_LENGTH) {
    throw new InvalidOptionError(option, `expected 1-${MAX_TOPIC_LENGTH} characters of letters, digits and "_ . : / -", got ${JSON.stringify(topic)}`);
  }
  return topic;
}

/** Stream key of shard `shard` of a topic with `shards` shards. */
export function streamKey(topic: string, shard = 0, shards = 1): string {
  return shards <= 1 ? topic : `${topic}${SHARD_SEPARATOR}${shard}`;
}

/** All stream keys of a topic, shard 0 first. */
export function topicStreams(topic: string, shards = 1): string[] {
  return Array.from({ length: Math.max(1, shards) }, (_, i) => streamKey(topic, i, shards));
}

/**
 * The part of a key that Redis Cluster hashes: the text between the first `{`
 * and the next `}` when that is non-empty, else the whole key.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** A key in the same cluster slot as `stream`: `{<hash tag of stream>}:<suffix>`. */
export function auxKey(stream: string, suffix: string): string {
  return `{${hashTagOf(stream)}}:${suffix}`;
}
