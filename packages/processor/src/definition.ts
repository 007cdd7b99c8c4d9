/**
 * A processor's definition: its name, the topics it reads and writes, a
 * handler per message type and, optionally, keyed state. Checked once by
 * {@link defineProcessor}; the same definition runs live ({@link Processor})
 * and in replay ({@link replay}).
 */
import { InvalidOptionError, MAX_SHARDS, validateTopic, type Message } from '@streamerson/core';
import { optionKeys, optionsObject } from '@streamerson/core/internal';
import { compileSchema, type PayloadCheck } from '@streamerson/service/internal';
import type { ProcessorContext } from './context.js';

/** A handler: looks at one message and emits outputs through `ctx`. May be async, but should not wait on anything: replay re-runs it. */
export type ProcessorHandler<S = unknown> = (msg: Message, ctx: ProcessorContext<S>) => void | Promise<void>;

/** A handler and, optionally, a JSON Schema for its payload (checked before it runs; a failure is dead-lettered). */
export interface ProcessorHandlerDefinition<S = unknown> {
  readonly schema?: object;
  readonly handle: ProcessorHandler<S>;
}

/** A topic and how many shards it has (default 1). */
export interface TopicRef {
  readonly topic: string;
  readonly shards?: number;
}

/** What {@link defineProcessor} takes. */
export interface ProcessorDefinition<S = unknown> {
  /** The processor's name: its consumer group on the inputs, and the prefix of its keys. */
  readonly name: string;
  /** Topics read, every shard. A processor with `state` reads one topic. */
  readonly inputs: readonly (string | TopicRef)[];
  /** Topics `ctx.emit` may write to. */
  readonly outputs?: readonly (string | TopicRef)[];
  /** A handler per message type. */
  readonly handlers: Readonly<Record<string, ProcessorHandler<S> | ProcessorHandlerDefinition<S>>>;
  /** Keyed state: the state of a key no message changed yet. */
  readonly state?: { readonly initial: (key: string) => S };
}

/** A registered handler. */
export interface RegisteredHandler<S> {
  readonly handle: ProcessorHandler<S>;
  readonly check: PayloadCheck | undefined;
}

/** A checked processor definition. */
export interface ProcessorSpec<S = unknown> {
  readonly name: string;
  readonly inputs: readonly Required<TopicRef>[];
  readonly outputs: ReadonlyMap<string, number>;
  readonly handlers: ReadonlyMap<string, RegisteredHandler<S>>;
  readonly initial: ((key: string) => S) | undefined;
}

/** Longest processor name, in characters (it is part of every key of the processor). */
export const MAX_PROCESSOR_NAME = 100;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const TOPIC_REF_KEYS = optionKeys<TopicRef>({ topic: true, shards: true });
const DEFINITION_KEYS = optionKeys<ProcessorDefinition>({ name: true, inputs: true, outputs: true, handlers: true, state: true });
const HANDLER_KEYS = optionKeys<ProcessorHandlerDefinition<unknown>>({ schema: true, handle: true });

function topicRef(value: unknown, option: string): Required<TopicRef> {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null))
    throw new InvalidOptionError(option, 'expected a topic name or { topic, shards }');
  const { topic, shards = 1 } = (typeof value === 'string' ? { topic: value } : optionsObject(value, TOPIC_REF_KEYS, option)) as unknown as TopicRef;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    throw new InvalidOptionError(`${option}.shards`, `expected an integer from 1 to ${MAX_SHARDS}`);
  return { topic: validateTopic(topic, `${option}.topic`), shards };
}

/** Checks a definition: `ERR_STREAMERSON_INVALID_OPTION` naming what is wrong. */
export function defineProcessor<S = unknown>(definition: ProcessorDefinition<S>): ProcessorSpec<S> {
  if (typeof definition !== 'object' || definition === null) throw new InvalidOptionError('definition', 'expected an object');
  const { name, inputs, outputs = [], handlers, state } = optionsObject(definition, DEFINITION_KEYS) as unknown as ProcessorDefinition<S>;
  if (typeof name !== 'string' || name.length > MAX_PROCESSOR_NAME || !NAME.test(name)) {
    throw new InvalidOptionError('name', `expected 1-${MAX_PROCESSOR_NAME} letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new InvalidOptionError('inputs', 'expected a non-empty array of topics');
  const ins = inputs.map((x, i) => topicRef(x, `inputs[${i}]`));
  if (new Set(ins.map((x) => x.topic)).size !== ins.length) throw new InvalidOptionError('inputs', 'a topic is listed twice');
  if (!Array.isArray(outputs)) throw new InvalidOptionError('outputs', 'expected an array of topics');
  const outs = new Map<string, number>();
  outputs.forEach((x, i) => {
    const ref = topicRef(x, `outputs[${i}]`);
    if (outs.has(ref.topic)) throw new InvalidOptionError('outputs', `topic "${ref.topic}" is listed twice`);
    outs.set(ref.topic, ref.shards);
  });
  if (typeof handlers !== 'object' || handlers === null || Object.keys(handlers).length === 0)
    throw new InvalidOptionError('handlers', 'expected a handler per message type');
  const registered = new Map<string, RegisteredHandler<S>>();
  for (const [type, h] of Object.entries(handlers)) {
    const where = `handlers.${type}`;
    if (typeof h === 'function') {
      registered.set(type, { handle: h, check: undefined });
    } else if (typeof h === 'object' && h !== null && typeof h.handle === 'function') {
      optionsObject(h, HANDLER_KEYS, where);
      registered.set(type, { handle: h.handle, check: h.schema === undefined ? undefined : compileSchema(h.schema, `${where}.schema`) });
    } else {
      throw new InvalidOptionError(where, 'expected a function or { schema, handle }');
    }
  }
  if (state !== undefined && (typeof state !== 'object' || state === null || typeof state.initial !== 'function')) {
    throw new InvalidOptionError('state', 'expected { initial: (key) => state }');
  }
  if (state !== undefined && ins.length !== 1) {
    throw new InvalidOptionError('inputs', 'a processor with state reads one topic: the state of a key lives beside the input shard its messages come from');
  }
  return Object.freeze({ name, inputs: Object.freeze(ins), outputs: outs, handlers: registered, initial: state?.initial });
}
