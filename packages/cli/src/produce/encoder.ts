/**
 * Turns input records into appends: picks the stream (shard by key, else
 * round-robin) and builds the protocol-v1 fields.
 */
import { CONTENT_TYPE_CODES, encodeMessage, shardForKey, streamKey, type AppendItem, type ContentType, type FieldValue, type Headers } from '@streamerson/core';

/** Where and how `produce` writes. */
export interface ProduceTarget {
  readonly topic: string;
  readonly shards: number;
  /** Every message goes to this shard when set (no key, no round-robin). */
  readonly shard?: number;
  /** Message type of records that carry none. */
  readonly type: string;
  /** Payload field (dotted path) holding the routing key; records without one go round-robin. */
  readonly keyField: string | undefined;
}

/** One message read from input. */
export interface InputMessage {
  readonly payload: unknown;
  readonly type?: string;
  readonly headers?: Headers;
  readonly key?: string;
  readonly contentType?: ContentType;
  /** The payload's exact bytes (given as bytes in the input): written as they are, with `contentType`. */
  readonly payloadBytes?: Buffer;
  readonly messageId?: string;
  readonly replyTo?: string;
  readonly source?: string;
}

/** Sets the `c` field of encoded binary-message fields to `contentType` (removing it for json, the default). */
function retag(fields: FieldValue[], contentType: ContentType): void {
  let at = 0;
  while (at < fields.length && fields[at] !== 'c') at += 2;
  if (contentType === 'json') fields.splice(at, 2);
  else fields[at + 1] = CONTENT_TYPE_CODES[contentType];
}

function fieldAt(payload: unknown, path: readonly string[]): unknown {
  let at = payload;
  for (const name of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

export class MessageEncoder {
  readonly #target: ProduceTarget;
  readonly #keyPath: readonly string[] | undefined;
  readonly #jsonTemplate: readonly FieldValue[];
  readonly #textTemplate: readonly FieldValue[];
  #next = 0;

  constructor(target: ProduceTarget) {
    this.#target = target;
    this.#keyPath = target.keyField?.split('.');
    // Payload is the last field of protocol v1 (docs/PROTOCOL.md). Bare JSON
    // lines and text lines reuse a template and put their own text there:
    // no parse-stringify round trip per message.
    this.#jsonTemplate = encodeMessage({ type: target.type, payload: null });
    this.#textTemplate = encodeMessage({ type: target.type, payload: '', contentType: 'text' });
  }

  /** A bare JSON line: `json` is its text, `payload` its parsed value (for the key). */
  json(json: string, payload: unknown): AppendItem {
    return this.#item(this.#withPayload(this.#jsonTemplate, json), this.#keyOf(payload, undefined));
  }

  /** A plain text line (content type `text`). */
  text(line: string): AppendItem {
    return this.#item(this.#withPayload(this.#textTemplate, line), undefined);
  }

  /** A message with its own type, headers, key or content type. Throws `ERR_STREAMERSON_*` when it cannot be encoded. */
  message(msg: InputMessage): AppendItem {
    const exact = msg.payloadBytes;
    const fields = encodeMessage({
      type: msg.type ?? this.#target.type,
      // Exact bytes are encoded as binary, then given the content type they came with.
      payload: exact ?? msg.payload,
      ...(exact !== undefined ? { contentType: 'binary' as const } : msg.contentType === undefined ? {} : { contentType: msg.contentType }),
      ...(msg.headers === undefined ? {} : { headers: msg.headers }),
      ...(msg.messageId === undefined ? {} : { id: msg.messageId }),
      ...(msg.replyTo === undefined ? {} : { replyTo: msg.replyTo }),
      ...(msg.source === undefined ? {} : { source: msg.source }),
    });
    if (exact !== undefined) retag(fields, msg.contentType ?? 'binary');
    return this.#item(fields, exact === undefined ? this.#keyOf(msg.payload, msg.key) : msg.key);
  }

  /** An entry given field by field (a `fields` envelope): written as it is, whatever it holds. */
  raw(fields: readonly FieldValue[], key: string | undefined): AppendItem {
    return this.#item([...fields], key);
  }

  #withPayload(template: readonly FieldValue[], payload: string): FieldValue[] {
    const fields = template.slice();
    fields[fields.length - 1] = payload;
    return fields;
  }

  #keyOf(payload: unknown, key: string | undefined): string | undefined {
    if (key !== undefined || this.#keyPath === undefined) return key;
    const value = fieldAt(payload, this.#keyPath);
    return value === undefined || value === null ? undefined : String(value);
  }

  #item(fields: FieldValue[], key: string | undefined): AppendItem {
    const { topic, shards } = this.#target;
    if (shards <= 1) return { stream: topic, fields };
    const shard = this.#target.shard ?? (key === undefined ? this.#next++ % shards : shardForKey(key, shards));
    return { stream: streamKey(topic, shard, shards), fields };
  }
}
