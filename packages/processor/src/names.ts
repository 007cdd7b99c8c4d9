/**
 * Where a processor keeps what it needs per input shard. Everything of input
 * stream `s` shares the slot of `s` (on a Redis Cluster one fenced write spans
 * the lease, the input's acks, the state and the log entry):
 *
 * | key | holds |
 * |---|---|
 * | `{<input stream>}:proc:<name>:lease` | the lease and fencing epoch of the instance that processes the shard |
 * | `{<input stream>}:proc:<name>:state` | keyed state: a hash, key → JSON, written with each batch |
 * | `{<input stream>}:proc:<name>:log` | the controller log: one entry per batch (docs/PROCESSORS.md) |
 * | `_proc:<name>:handoff` | notices of shards handed off, so that standbys take them at once |
 *
 * The consumer group on every input stream is the processor's name.
 */
import { auxKey, streamKey } from '@streamerson/core';
import type { ProcessorSpec } from './definition.js';

/** The keys of one input shard. */
export interface InputKeys {
  /** Position among every input stream of the processor (topics in order, then shards). */
  readonly index: number;
  readonly topic: string;
  readonly stream: string;
  readonly lease: string;
  readonly state: string;
  readonly log: string;
}

export function inputKeys(name: string, topic: string, shard: number, shards: number, index: number): InputKeys {
  const stream = streamKey(topic, shard, shards);
  const base = `proc:${name}`;
  return Object.freeze({
    index,
    topic,
    stream,
    lease: auxKey(stream, `${base}:lease`),
    state: auxKey(stream, `${base}:state`),
    log: auxKey(stream, `${base}:log`),
  });
}

/** Every input stream of a processor, in order: the runtime's shards. */
export function allInputKeys(spec: Pick<ProcessorSpec, 'name' | 'inputs'>): InputKeys[] {
  const out: InputKeys[] = [];
  for (const { topic, shards } of spec.inputs) {
    for (let i = 0; i < shards; i++) out.push(inputKeys(spec.name, topic, i, shards, out.length));
  }
  return out;
}

/** The stream where instances announce that they handed an input shard off. */
export function processorHandoffStream(name: string): string {
  return `_proc:${name}:handoff`;
}
