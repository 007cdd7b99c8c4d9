/**
 * Where a machine keeps each shard. Everything of shard `i` shares the slot
 * of its command stream (on a Redis Cluster, one fenced write spans them):
 *
 * | key | holds |
 * |---|---|
 * | `<machine>` or `<machine>#<i>` | commands (a topic shard, service protocol v1) |
 * | `{<commands>}:changelog` | one entry per applied command: key, version, command id, events, state |
 * | `{<commands>}:state` | the snapshot: a hash of key → `[version, state]` |
 * | `{<commands>}:meta` | the snapshot's changelog offset, how far the changelog was trimmed |
 * | `{<commands>}:lease` | the writer's lease and fencing epoch |
 * | `{<commands>}:outbox` | commands emitted to other keys, until they are forwarded |
 */
import { auxKey, streamKey } from '@streamerson/core';
import type { MachineRef } from './machine.js';

/** The consumer group of a machine's writers on its command streams. */
export const WRITER_GROUP = 'writers';
/** Meta field: the changelog entry id the snapshot hash covers. */
export const META_OFFSET = 'offset';
/** Meta field: the changelog entry id below which the changelog may be trimmed. */
export const META_TRIMMED = 'trimmed';

/** The keys of one shard. */
export interface ShardKeys {
  readonly shard: number;
  readonly commands: string;
  readonly changelog: string;
  readonly state: string;
  readonly meta: string;
  readonly lease: string;
  readonly outbox: string;
}

export function shardKeys(machine: MachineRef, shard: number): ShardKeys {
  const commands = streamKey(machine.name, shard, machine.shards);
  return Object.freeze({
    shard,
    commands,
    changelog: auxKey(commands, 'changelog'),
    state: auxKey(commands, 'state'),
    meta: auxKey(commands, 'meta'),
    lease: auxKey(commands, 'lease'),
    outbox: auxKey(commands, 'outbox'),
  });
}

/** Keys of every shard, shard 0 first. */
export function allShardKeys(machine: MachineRef): ShardKeys[] {
  return Array.from({ length: machine.shards }, (_, i) => shardKeys(machine, i));
}

/** The stream where writers announce that they handed a shard off (standbys take it at once). */
export function handoffStream(machine: MachineRef): string {
  return `_state:${machine.name}:handoff`;
}
