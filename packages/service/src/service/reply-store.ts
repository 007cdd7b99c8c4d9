/**
 * Stored replies for idempotent requests. A reply is appended to the store
 * stream of the topic with `appendIdempotent` under the request's idempotency
 * key — atomic, with the TTL as its window — so that the first stored reply
 * wins and a redelivered or repeated request is answered with it. The store
 * stream sits in the topic's cluster slot and is trimmed by time on every append.
 */
import {
  auxKey,
  IDEMPOTENCY_KEY_HEADER,
  decodeEntry,
  encodeMessage,
  ProtocolError,
  streamIdFromTime,
  type AppendItem,
  type Engine,
  type Message,
} from '@streamerson/core';

/** The idempotency key of a request: its `idempotency-key` header, else its message id. */
export function idempotencyKey(msg: Message): string {
  return msg.headers[IDEMPOTENCY_KEY_HEADER] || msg.id;
}

export class ReplyStore {
  readonly stream: string;

  constructor(
    private readonly engine: Engine,
    topic: string,
    private readonly ttlMs: number,
  ) {
    this.stream = auxKey(topic, 'replies');
  }

  /** The stored reply for `request`'s key, re-addressed to `request`; undefined when none is stored. */
  async lookup(request: Message): Promise<AppendItem | undefined> {
    const id = await this.engine.idempotentId(this.stream, idempotencyKey(request));
    if (id === null) return undefined;
    const [entry] = await this.engine.range(this.stream, id, id);
    if (entry === undefined) return undefined;
    const stored = decodeEntry(this.stream, entry);
    return stored instanceof ProtocolError ? undefined : readdress(request, stored);
  }

  /** Stores `reply` unless a reply is stored already; returns the one that counts, addressed to `request`. */
  async save(request: Message, reply: AppendItem): Promise<AppendItem> {
    const retention = { minId: streamIdFromTime(Date.now() - this.ttlMs), approximate: true };
    const result = await this.engine.appendIdempotent(this.stream, reply.fields, idempotencyKey(request), this.ttlMs, { retention });
    if (!result.duplicate) return reply;
    return (await this.lookup(request)) ?? reply;
  }
}

/** The stored reply with the id of `request`, going to its reply stream. */
function readdress(request: Message, stored: Message): AppendItem {
  return {
    stream: request.replyTo,
    noMkStream: true,
    fields: encodeMessage({
      id: request.id,
      headers: stored.headers,
      contentType: stored.contentType,
      payload: stored.payload,
      source: stored.source,
    }),
  };
}
