import type { ContentType, Headers, Message } from '../protocol/types.js';
import type { AckBatcher } from './ack-batcher.js';
import type { ConsumedMessage } from './consumed-message.js';

const ACKED_NOTHING: Promise<void> = Promise.resolve();

/**
 * The {@link ConsumedMessage} a consumer delivers. A class rather than an
 * object literal so that `ack` is one shared prototype method instead of a
 * closure per message, and the fields are set once without an object spread.
 */
export class DeliveredMessage<P = unknown> implements ConsumedMessage<P> {
  readonly version: number;
  readonly id: string;
  readonly stream: string;
  readonly entryId: string;
  readonly type: string;
  readonly replyTo: string;
  readonly headers: Headers;
  readonly contentType: ContentType;
  readonly source: string;
  readonly payload: P;
  readonly redelivered: boolean;
  /** Null outside group mode. */
  readonly #acks: AckBatcher | null;
  #acked: Promise<void> | null = null;

  constructor(m: Message<P>, redelivered: boolean, acks: AckBatcher | null) {
    this.version = m.version;
    this.id = m.id;
    this.stream = m.stream;
    this.entryId = m.entryId;
    this.type = m.type;
    this.replyTo = m.replyTo;
    this.headers = m.headers;
    this.contentType = m.contentType;
    this.source = m.source;
    this.payload = m.payload;
    this.redelivered = redelivered;
    this.#acks = acks;
  }

  ack(): Promise<void> {
    if (this.#acks === null) return ACKED_NOTHING;
    return (this.#acked ??= this.#acks.ack(this.stream, this.entryId));
  }

  /**
   * Acks without handing out a promise (automatic acks, once per message); a
   * failure goes to the batcher's error handler. Does nothing when the user has
   * acked already. A later {@link ack} sends the ack again (harmless) so that
   * its promise still tells when the engine has it.
   */
  autoAck(): void {
    if (this.#acks === null || this.#acked !== null) return;
    this.#acks.add(this.stream, this.entryId);
  }
}
