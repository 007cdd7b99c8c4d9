/**
 * What a handler gets besides its message: the batch's clock, seeded
 * randomness, `emit` for outputs and, with keyed state, the state of the
 * message's key. Everything in it is recorded in the controller log or derived
 * from the input, so that replay hands a handler the same values.
 */
import { shardForKey, streamKey, TRACEPARENT_HEADER, TRACESTATE_HEADER, type Headers, type Message } from '@streamerson/core';
import type { ProcessorSpec } from './definition.js';
import { SeededRandom } from './random.js';

/** The header that carries a message's key (the same as state machine commands). */
export const KEY_HEADER = 'key';

/** Options of {@link ProcessorContext.emit}. */
export interface EmitOptions {
  /** Routing key: chooses the output shard, and is carried in the `key` header. */
  readonly key?: string;
  readonly headers?: Headers;
}

/** The context of one message. */
export interface ProcessorContext<S = unknown> {
  /** The message's key (its `key` header), if it has one. */
  readonly key: string | undefined;
  /** The batch's clock (ms since the epoch): the same for every message of a batch, recorded in the log. */
  now(): number;
  /** A number in [0, 1) from a generator seeded by the batch's recorded seed. */
  random(): number;
  /** A version 4 UUID from the same generator. */
  uuid(): string;
  /** Writes a message to an output topic (one of the definition's `outputs`), with the input. */
  emit(topic: string, type: string, payload: unknown, options?: EmitOptions): void;
  /** The state of the message's key (processors with `state`; a message without a key cannot have one). */
  readonly state: S;
  /** Replaces the state of the message's key; stored with the batch. */
  setState(state: S): void;
  /** Forgets the state of the message's key: removed from the engine with the batch, the key starts again from its initial state. */
  deleteState(): void;
}

/** An output as emitted, before it is encoded. */
export interface Emitted {
  readonly stream: string;
  readonly type: string;
  readonly payload: unknown;
  readonly headers: Headers;
}

export class MessageContext<S> implements ProcessorContext<S> {
  readonly key: string | undefined;
  readonly emitted: Emitted[] = [];
  /** The state set by the handler, when it set one. */
  changed = false;
  /** The handler deleted the key's state. */
  deleted = false;
  private value: S | undefined;
  private loaded = false;
  private generator: SeededRandom | undefined;

  constructor(
    private readonly spec: ProcessorSpec<S>,
    private readonly msg: Message,
    private readonly clock: number,
    private readonly seed: number,
    private readonly index: number,
    private readonly lookup: (key: string) => S,
  ) {
    const key = msg.headers[KEY_HEADER];
    this.key = key === '' ? undefined : key;
  }

  now(): number {
    return this.clock;
  }

  random(): number {
    this.generator ??= new SeededRandom(this.seed, this.index);
    return this.generator.next();
  }

  uuid(): string {
    this.generator ??= new SeededRandom(this.seed, this.index);
    return this.generator.uuid();
  }

  emit(topic: string, type: string, payload: unknown, options: EmitOptions = {}): void {
    const shards = this.spec.outputs.get(topic);
    if (shards === undefined) throw new TypeError(`emit: "${topic}" is not an output of processor "${this.spec.name}" (declare it in outputs)`);
    if (typeof type !== 'string') throw new TypeError('emit: the type is a string');
    const { key } = options;
    if (key !== undefined && (typeof key !== 'string' || key === '')) throw new TypeError('emit: a key is a non-empty string');
    const headers: Record<string, string> = {};
    const traceparent = this.msg.headers[TRACEPARENT_HEADER];
    const tracestate = this.msg.headers[TRACESTATE_HEADER];
    if (traceparent !== undefined) headers[TRACEPARENT_HEADER] = traceparent;
    if (tracestate !== undefined) headers[TRACESTATE_HEADER] = tracestate;
    Object.assign(headers, options.headers);
    if (key !== undefined) headers[KEY_HEADER] = key;
    const stream = streamKey(topic, key === undefined ? 0 : shardForKey(key, shards), shards);
    this.emitted.push({ stream, type, payload, headers });
  }

  get state(): S {
    if (!this.loaded) {
      this.value = this.lookup(this.stateKey());
      this.loaded = true;
    }
    return this.value as S;
  }

  setState(state: S): void {
    this.stateKey();
    this.value = state;
    this.loaded = true;
    this.changed = true;
    this.deleted = false;
  }

  deleteState(): void {
    this.value = this.spec.initial!(this.stateKey());
    this.loaded = true;
    this.changed = true;
    this.deleted = true;
  }

  private stateKey(): string {
    if (this.spec.initial === undefined) throw new TypeError(`processor "${this.spec.name}" has no state (define state.initial)`);
    if (this.key === undefined) throw new TypeError(`a message without a "${KEY_HEADER}" header has no state`);
    return this.key;
  }
}
