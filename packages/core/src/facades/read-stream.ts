import type { Engine } from '../engine/types.js';
import { Consumer } from '../consumer/consumer.js';
import type { ConsumerOptions } from '../consumer/consumer-options.js';
import type { ConsumerReadable, ConsumerReadableOptions } from './readable.js';

/** A Readable over a new {@link Consumer}; destroying it closes the consumer (the engine stays open). */
export function createReadStream<P = unknown>(engine: Engine, options: ConsumerOptions, streamOptions: ConsumerReadableOptions = {}): ConsumerReadable<P> {
  return new Consumer<P>(engine, options).readable(streamOptions);
}
