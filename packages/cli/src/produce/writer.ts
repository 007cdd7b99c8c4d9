/**
 * Writes appends in batches, several batches in flight (each one pipelined
 * round trip), optionally at a limited rate. The first failed batch stops it.
 */
import type { AppendItem, Engine } from '@streamerson/core';
import { pause } from '../lifecycle.js';

/** Default appends per pipelined batch. */
export const DEFAULT_BATCH_SIZE = 1000;
/** Default batches in flight at once. */
export const DEFAULT_IN_FLIGHT = 4;
/** With `--rate`, batches are small enough to send about this many per second, so the flow is smooth. */
const RATE_BATCHES_PER_SECOND = 20;

export interface WriterOptions {
  readonly batchSize: number;
  readonly inFlight: number;
  /** Most messages per second; undefined for no limit. */
  readonly rate: number | undefined;
  readonly signal: AbortSignal;
}

export class BatchWriter {
  readonly #engine: Engine;
  readonly #batchSize: number;
  readonly #inFlight: number;
  readonly #rate: number | undefined;
  readonly #signal: AbortSignal;
  readonly #running = new Set<Promise<void>>();
  readonly #started = Date.now();
  #batch: AppendItem[] = [];
  #dispatched = 0;
  #written = 0;
  #error: unknown;

  constructor(engine: Engine, options: WriterOptions) {
    this.#engine = engine;
    this.#rate = options.rate;
    this.#batchSize =
      options.rate === undefined ? options.batchSize : Math.max(1, Math.min(options.batchSize, Math.floor(options.rate / RATE_BATCHES_PER_SECOND)));
    this.#inFlight = options.inFlight;
    this.#signal = options.signal;
  }

  /** Messages the engine confirmed. */
  get written(): number {
    return this.#written;
  }

  /**
   * Queues appends, sending each full batch; waits when enough batches are in
   * flight. Throws the first write failure. One call per chunk of input, not
   * per message: an await per message would cost more than its encoding.
   */
  async push(items: readonly AppendItem[]): Promise<void> {
    for (const item of items) {
      this.#batch.push(item);
      if (this.#batch.length >= this.#batchSize) await this.#dispatch();
    }
  }

  /** Sends the queued appends now, as a batch of their own (input arrives in bursts; each burst leaves at once). */
  async send(): Promise<void> {
    if (this.#batch.length > 0) await this.#dispatch();
  }

  /** Sends what is queued and waits for everything in flight. Throws the first write failure. */
  async flush(): Promise<void> {
    if (this.#batch.length > 0) await this.#dispatch();
    await Promise.all(this.#running);
    this.#throwIfFailed();
  }

  async #dispatch(): Promise<void> {
    this.#throwIfFailed();
    const batch = this.#batch;
    this.#batch = [];
    if (this.#rate !== undefined) {
      const due = this.#started + ((this.#dispatched + batch.length) / this.#rate) * 1000;
      // A stop still flushes: the pause ends at once but the batch is sent.
      await pause(due - Date.now(), this.#signal);
    }
    this.#dispatched += batch.length;
    const run = this.#engine.appendBatch(batch).then(
      () => {
        this.#written += batch.length;
      },
      (error: unknown) => {
        this.#error ??= error;
      },
    );
    const tracked = run.finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
    while (this.#running.size >= this.#inFlight) await Promise.race(this.#running);
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}
