/**
 * The machine a `streamerson state` command names. Its shard count is found by
 * listing its command streams (`bank`, or `bank#0` … `bank#N-1`), unless
 * `--shards` gives it; a name whose streams no writer ever leased is a topic,
 * not a machine. Nothing is created.
 */
import { requireFencing, type Engine } from '@streamerson/core';
import { allShardKeys, type MachineRef } from '@streamerson/state';
import { notFound } from '../errors.js';
import { plural } from '../inspect/units.js';
import { checkTopic, findStreams, shardCount, suggestion } from '../topics.js';

export async function findMachine(engine: Engine, name: string, shards?: number): Promise<MachineRef> {
  checkTopic(name);
  const fenced = requireFencing(engine, 'streamerson state');
  let count = shards;
  if (count === undefined) {
    const streams = await findStreams(engine, name);
    if (streams.length === 0) throw notFound(`machine "${name}" does not exist${await suggestion(engine, name)}`);
    count = shardCount(streams);
  }
  const machine: MachineRef = Object.freeze({ name, shards: count });
  const leases = await Promise.all(allShardKeys(machine).map((k) => fenced.leaseState(k.lease)));
  if (leases.every((l) => l.epoch === 0)) {
    throw notFound(`"${name}" is not a state machine with ${plural(count, 'shard')}: no writer ever held a shard of it`);
  }
  return machine;
}
