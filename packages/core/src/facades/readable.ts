import { Readable, type ReadableOptions } from 'node:stream';
import type { ConsumedMessage } from '../consumer/consumed-message.js';
import type { Consumer } from '../consumer/consumer.js';

/** Stream options a consumer Readable accepts; the facade sets the rest. */
export type ConsumerReadableOptions = Omit<ReadableOptions, 'objectMode' | 'read' | 'destroy'>;

/**
 * An object-mode Readable of {@link ConsumedMessage}s. It pulls from the
 * consumer only while `push` accepts more, so a full Readable buffer
 * (`highWaterMark`, default 16 objects) leaves the consumer buffer full and the
 * consumer stops reading: memory stays bounded by `highWaterMark + prefetch`
 * whatever the stream length. A message counts as processed once the next one
 * is pulled, that is when it enters the Readable's buffer. Ends when the
 * consumer is closed or drained; destroying it closes the consumer.
 */
export class ConsumerReadable<P = unknown> extends Readable {
  /** The consumer this stream reads from. */
  readonly consumer: Consumer<P>;
  readonly #pull: () => Promise<ConsumedMessage<P> | null>;
  #pulling = false;

  /** Use {@link Consumer.readable} or `createReadStream`. */
  constructor(consumer: Consumer<P>, pull: () => Promise<ConsumedMessage<P> | null>, options: ConsumerReadableOptions = {}) {
    super({ ...options, objectMode: true });
    this.consumer = consumer;
    this.#pull = pull;
  }

  override _read(): void {
    if (this.#pulling) return;
    this.#pulling = true;
    void this.#pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.consumer.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const m = await this.#pull();
        if (this.destroyed) return;
        if (m === null) {
          this.push(null);
          return;
        }
        if (!this.push(m)) return;
      }
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#pulling = false;
    }
  }
}
