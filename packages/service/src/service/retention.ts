/**
 * Retention of a service's topic: entries every consumer group has
 * acknowledged are trimmed away, periodically, by one member.
 *
 * Redis 7.0 has no trim-by-ack, so the safe `MINID` is derived per stream:
 * for each group on it, its oldest pending entry (delivered, not acknowledged)
 * or, with nothing pending, the entry after its last-delivered id; the stream
 * keeps everything from the smallest of those (`XTRIM MINID ~`, whole nodes
 * only: it may keep a little more, never less). Optional caps by count
 * (`topicMaxLen`) and age (`topicMaxAgeMs`) trim further, acknowledged or not.
 *
 * One member trims: the one holding the lease `{<topic>}:trimmer` (taken for
 * three intervals, renewed by its holder each interval), on engines with
 * fencing; on others every member trims, which is as safe (each computes the
 * same bound from the engine's state) and costs one trim per member.
 */
import { auxKey, compareStreamIds, hasFencing, nextStreamId, streamIdFromTime, type Engine, type Retention } from '@streamerson/core';
import type { ServiceConfig } from './service-options.js';
import type { ServiceCounters } from './stats.js';

/** Intervals a trimmer's lease lasts without renewal. */
const LEASE_INTERVALS = 3;

/** The lease naming the member that trims `topic`. */
export function trimmerLease(topic: string): string {
  return auxKey(topic, 'trimmer');
}

/** The lowest id a stream must keep for its groups; undefined when it has none (nothing to derive a bound from). */
export async function acknowledgedBound(engine: Engine, stream: string): Promise<string | undefined> {
  const info = await engine.info(stream);
  if (info === null || info.groups.length === 0) return undefined;
  let keep: string | undefined;
  for (const g of info.groups) {
    const from = g.pending > 0 ? ((await engine.pendingSummary(stream, g.name)).lowestId ?? nextStreamId(g.lastDeliveredId)) : nextStreamId(g.lastDeliveredId);
    if (keep === undefined || compareStreamIds(from, keep) < 0) keep = from;
  }
  return keep;
}

export class TopicRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly config: ServiceConfig,
    private readonly streams: readonly string[],
    /** Owner name in the lease: unique per running member. */
    private readonly owner: string,
    private readonly counts: ServiceCounters,
    private readonly onError: (err: unknown, stream: string) => void,
  ) {}

  /** Trims every `trimIntervalMs` until stopped; nothing when it is 0. */
  start(): void {
    const { trimIntervalMs } = this.config;
    if (trimIntervalMs === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.running ??= this.trimOnce().then(() => {
        this.running = undefined;
      });
    }, trimIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a trim under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass, if this member is the trimmer: resolves with the entries removed, or undefined when another member trims. */
  async trimOnce(): Promise<number | undefined> {
    const { engine, config } = this;
    if (hasFencing(engine)) {
      try {
        const grant = await engine.acquireLease(trimmerLease(config.topic), this.owner, config.trimIntervalMs * LEASE_INTERVALS);
        if (!grant.acquired) return undefined;
      } catch (err) {
        this.onError(err, trimmerLease(config.topic));
        return undefined;
      }
    }
    let removed = 0;
    for (const stream of this.streams) {
      try {
        for (const retention of await this.retentions(stream)) removed += await engine.trim(stream, retention);
      } catch (err) {
        this.onError(err, stream);
      }
    }
    this.counts.trimPasses++;
    this.counts.trimmed += removed;
    return removed;
  }

  private async retentions(stream: string): Promise<Retention[]> {
    const { topicMaxLen, topicMaxAgeMs } = this.config;
    const out: Retention[] = [];
    const bound = await acknowledgedBound(this.engine, stream);
    if (bound !== undefined) out.push({ minId: bound, approximate: true });
    if (topicMaxAgeMs > 0) out.push({ minId: streamIdFromTime(Date.now() - topicMaxAgeMs), approximate: true });
    if (topicMaxLen > 0) out.push({ maxLen: topicMaxLen, approximate: true });
    return out;
  }
}
