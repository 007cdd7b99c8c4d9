/**
 * Samples every topic once per tick and keeps a minute of history per
 * stream, from which rates over the last second and the last minute come.
 * Message rates count `entriesAdded`, which trimming does not lower; byte
 * rates are message rates times the size of the newest entry (an estimate:
 * reading every new entry to weigh it would cost more than the stream).
 */
import type { Engine } from '@streamerson/core';
import { listInstances } from '@streamerson/service';
import { describeTopic, type TopicReport } from '../inspect/describe.js';
import { DEAD_LETTER_SUFFIX, INTERNAL_PREFIX, topicOf } from '../topics.js';
import type { Announced } from './snapshot.js';

/** Window of the slow rates. */
export const MINUTE_MS = 60_000;

/** How often the service registry is read for the consumers that announce themselves as running. */
export const REGISTRY_REFRESH_MS = 5_000;

interface Sample {
  readonly at: number;
  readonly added: number;
  readonly entryBytes: number;
}

/** Rates of one stream: messages and estimated bytes per second. */
export interface Rates {
  readonly msgsPerSec: number;
  readonly bytesPerSec: number;
}

export interface StreamRates {
  readonly lastSecond: Rates;
  readonly lastMinute: Rates;
}

const ZERO: Rates = { msgsPerSec: 0, bytesPerSec: 0 };
const NONE: ReadonlySet<string> = new Set();

function rateBetween(a: Sample, b: Sample): Rates {
  const seconds = (b.at - a.at) / 1000;
  if (seconds <= 0) return ZERO;
  const msgsPerSec = Math.max(0, b.added - a.added) / seconds;
  return { msgsPerSec, bytesPerSec: msgsPerSec * b.entryBytes };
}

/** Streams of the listing grouped by topic; dead-letter and internal streams are left out. */
export function topicsOf(streams: readonly string[], includeInternal: boolean): Map<string, string[]> {
  const topics = new Map<string, string[]>();
  for (const stream of streams) {
    if (stream.endsWith(DEAD_LETTER_SUFFIX)) continue;
    if (!includeInternal && stream.startsWith(INTERNAL_PREFIX)) continue;
    const topic = topicOf(stream);
    topics.set(topic, [...(topics.get(topic) ?? []), stream]);
  }
  return topics;
}

export class Sampler {
  readonly #history = new Map<string, Sample[]>();
  /** The consumers that instances online announce, by `<topic>\0<group>`. */
  #running = new Map<string, Set<string>>();
  #registryReadAt = -Infinity;

  constructor(
    private readonly engine: Engine,
    private readonly prefix: string,
    private readonly includeInternal: boolean,
  ) {}

  /** The consumers of `group` that instances online announce as reading `topic` (as of the last registry read). */
  readonly announced: Announced = (topic, group) => this.#running.get(`${topic}\u0000${group}`) ?? NONE;

  async #readRegistry(now: number): Promise<void> {
    if (now - this.#registryReadAt < REGISTRY_REFRESH_MS) return;
    this.#registryReadAt = now;
    const running = new Map<string, Set<string>>();
    for (const i of await listInstances(this.engine, { now })) {
      if (i.consumer === undefined) continue;
      for (const topic of i.topics) {
        const key = `${topic}\u0000${i.group ?? i.name}`;
        running.set(key, (running.get(key) ?? new Set()).add(i.consumer));
      }
    }
    this.#running = running;
  }

  /** One sample of every topic. */
  async sample(now = Date.now()): Promise<TopicReport[]> {
    await this.#readRegistry(now);
    const topics = topicsOf(await this.engine.listStreams(this.prefix), this.includeInternal);
    const reports = await Promise.all([...topics].map(([topic, streams]) => describeTopic(this.engine, topic, streams)));
    const seen = new Set<string>();
    for (const report of reports) {
      for (const s of report.streams) {
        seen.add(s.stream);
        const history = this.#history.get(s.stream) ?? [];
        history.push({ at: now, added: s.entriesAdded, entryBytes: s.lastEntryBytes });
        while (history.length > 2 && history[1]!.at <= now - MINUTE_MS) history.shift();
        this.#history.set(s.stream, history);
      }
    }
    for (const stream of this.#history.keys()) if (!seen.has(stream)) this.#history.delete(stream);
    return reports;
  }

  /** Rates of a stream from its history; zero until it was sampled twice. */
  rates(stream: string): StreamRates {
    const h = this.#history.get(stream);
    if (h === undefined || h.length < 2) return { lastSecond: ZERO, lastMinute: ZERO };
    return { lastSecond: rateBetween(h.at(-2)!, h.at(-1)!), lastMinute: rateBetween(h[0]!, h.at(-1)!) };
  }
}
