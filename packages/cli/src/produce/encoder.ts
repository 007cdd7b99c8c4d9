/**
 * Turns input records into appends: picks the stream (shard by key, else
 * round-robin) and builds the protocol-v1 fields.
 */
import { encodeMessage, shardForKey, streamKey, type AppendItem, type FieldValue, type Headers } from '@streamerson/core';

/** Where and how `produce` writes. */
export interface ProduceTarget {
  readonly topic: string;
  readonly shards: number;
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

  /** A message with its own type, headers or key. Throws `ERR_STREAMERSON_*` when it cannot be encoded. */
  message(msg: InputMessage): AppendItem {
    const fields = encodeMessage({
      type: msg.type ?? this.#target.type,
      payload: msg.payload,
      ...(msg.headers === undefined ? {} : { headers: msg.headers }),
    });
    return this.#item(fields, this.#keyOf(msg.payload, msg.key));
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
    const shard = key === undefined ? this.#next++ % shards : shardForKey(key, shards);
    return { stream: streamKey(topic, shard, shards), fields };
  }
}
