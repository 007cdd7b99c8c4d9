/** The consumer group of a service on each of its streams: creation and pruning of silent members. */
import type { Engine } from '@streamerson/core';
import type { ServiceConfig } from './service-options.js';

/** Creates the group on every stream (from `groupStart` when new); idempotent. */
export async function ensureGroups(engine: Engine, streams: readonly string[], config: ServiceConfig): Promise<void> {
  await Promise.all(streams.map((s) => engine.createGroup(s, config.group, config.groupStart)));
}

/**
 * Deletes members gone silent (idle at least `pruneConsumersIdleMs`) with
 * nothing pending, other than `config.consumer`; resolves with how many. That
 * loses nothing: a member owning no pending entry has nothing to claim back,
 * and if it is in fact alive, the next entry delivered to it creates it again.
 */
export async function pruneSilentMembers(engine: Engine, streams: readonly string[], config: ServiceConfig): Promise<number> {
  const { group, consumer, pruneConsumersIdleMs } = config;
  if (pruneConsumersIdleMs === 0) return 0;
  let pruned = 0;
  for (const stream of streams) {
    const info = await engine.info(stream);
    const members = info?.groups.find((g) => g.name === group)?.consumers ?? [];
    for (const m of members) {
      if (m.name === consumer || m.pending > 0 || m.idleMs < pruneConsumersIdleMs) continue;
      await engine.deleteConsumer(stream, group, m.name);
      pruned++;
    }
  }
  return pruned;
}
