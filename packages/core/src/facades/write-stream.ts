import type { Writable } from 'node:stream';
import type { Engine } from '../engine/types.js';
import { Producer } from '../producer/producer.js';
import type { ProducerOptions } from '../producer/producer-options.js';
import { createProducerWritable, type ProducerWritableOptions } from './writable.js';

/**
 * A Writable that owns a new {@link Producer}: `end()` flushes and closes it,
 * `destroy()` destroys it. The engine stays open.
 */
export function createWriteStream(engine: Engine, options: ProducerOptions, streamOptions: ProducerWritableOptions = {}): Writable {
  return createProducerWritable(new Producer(engine, options), streamOptions, true);
}
