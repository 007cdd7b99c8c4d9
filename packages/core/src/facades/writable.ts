import { Writable, type WritableOptions } from 'node:stream';
import type { Producer, ProducerRecord } from '../producer/producer.js';

/** Stream options a facade accepts; the facade sets the rest. */
export type ProducerWritableOptions = Omit<WritableOptions, 'objectMode' | 'write' | 'writev' | 'final' | 'destroy'>;

/**
 * An object-mode Writable over a producer. Each chunk is a {@link ProducerRecord}
 * (`{ payload, key?, type?, headers?, … }`). Chunks buffered by the Writable go
 * out through `writev` in one producer batch; a write's callback runs once its
 * messages are stored, so `highWaterMark` bounds what is in flight and a failed
 * append fails the stream. `final` flushes the producer; when the Writable owns
 * it (made by `createWriteStream`) it also closes it.
 */
export function createProducerWritable(producer: Producer, options: ProducerWritableOptions, owns: boolean): Writable {
  const sendAll = (records: readonly ProducerRecord[], callback: (error?: Error | null) => void): void => {
    let receipts: Promise<unknown>[];
    try {
      receipts = records.map((r) => producer.sendMessage(r));
    } catch (error) {
      callback(error as Error);
      return;
    }
    Promise.all(receipts).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  };
  return new Writable({
    ...options,
    objectMode: true,
    write(chunk: ProducerRecord, _encoding, callback) {
      sendAll([chunk], callback);
    },
    writev(chunks, callback) {
      sendAll(
        chunks.map((c) => c.chunk as ProducerRecord),
        callback,
      );
    },
    final(callback) {
      (owns ? producer.close() : producer.flush()).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    },
    destroy(error, callback) {
      if (owns) producer.destroy();
      callback(error);
    },
  });
}
