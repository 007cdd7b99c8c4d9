import type { Engine } from '../engine/types.js';

/** The acks of one stream collected in one event-loop turn. */
interface PendingAcks {
  readonly ids: string[];
  /** The promise handed to the callers of {@link AckBatcher.ack}, made on first such call only. */
  settled: Promise<void> | null;
  resolve: (() => void) | null;
  reject: ((error: unknown) => void) | null;
}

/**
 * Collects the acks of one event-loop turn and sends one `ack` per stream, so
 * that acking each message of a batch costs one round trip, not one per message.
 * Every ack of a stream in the same turn shares one promise, and automatic acks
 * (see {@link AckBatcher.add}) make none: the ack path allocates nothing per
 * message besides its id.
 */
export class AckBatcher {
  readonly #engine: Engine;
  readonly #group: string;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<string, PendingAcks>();
  #scheduled: NodeJS.Immediate | null = null;
  readonly #inFlight = new Set<Promise<void>>();

  /** @param onError told once per failed `ack` command that no caller awaits. */
  constructor(engine: Engine, group: string, onError: (error: unknown) => void) {
    this.#engine = engine;
    this.#group = group;
    this.#onError = onError;
  }

  /** Acknowledges `id` of `stream`; resolves once the engine has it (together with the other acks of its turn). */
  ack(stream: string, id: string): Promise<void> {
    const acks = this.#collect(stream, id);
    acks.settled ??= new Promise<void>((resolve, reject) => {
      acks.resolve = resolve;
      acks.reject = reject;
    });
    return acks.settled;
  }

  /** Acknowledges `id` of `stream` without a promise; a failure goes to `onError`. */
  add(stream: string, id: string): void {
    this.#collect(stream, id);
  }

  /** Sends what is collected and waits for every ack under way. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.allSettled([...this.#inFlight]);
  }

  #collect(stream: string, id: string): PendingAcks {
    let acks = this.#pending.get(stream);
    if (!acks) this.#pending.set(stream, (acks = { ids: [], settled: null, resolve: null, reject: null }));
    acks.ids.push(id);
    this.#scheduled ??= setImmediate(() => this.#send());
    return acks;
  }

  #send(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const pending = this.#pending;
    if (pending.size === 0) return;
    this.#pending = new Map();
    for (const [stream, acks] of pending) {
      const done = this.#engine.ack(stream, this.#group, acks.ids).then(
        () => acks.resolve?.(),
        (error: unknown) => (acks.reject ? acks.reject(error) : this.#onError(error)),
      );
      const tracked = done.finally(() => this.#inFlight.delete(tracked));
      this.#inFlight.add(tracked);
    }
  }
}
