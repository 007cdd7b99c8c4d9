/**
 * A state machine, defined once and typed end to end: per key an initial
 * state; per command type a handler that looks at the key's state and the
 * command and decides events (or rejects); a pure `apply` that folds an event
 * into the state. Handlers and `apply` run inside the writer's batch, so they
 * are synchronous and deterministic: same state and command, same decision.
 */
import { InvalidOptionError, shardForKey, validateTopic } from '@streamerson/core';
import { functionOption, intOption, objectOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { compileSchema, type PayloadCheck } from '@streamerson/service/internal';

/** Most shards of a machine. */
export const MAX_MACHINE_SHARDS = 1_024;
/** Shards of a machine that does not say. */
export const DEFAULT_MACHINE_SHARDS = 1;

/**
 * A refused command: returned (or thrown) by a handler. The caller gets a 409
 * with `code` (the machine's own, for example `INSUFFICIENT_FUNDS`), `message`
 * and `details`; nothing is applied.
 */
export class Rejection {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly details?: unknown,
  ) {
    if (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/.test(code) || code.startsWith('ERR_STREAMERSON_')) {
      throw new InvalidOptionError(
        'code',
        `a rejection code is 1-100 letters, digits and "_ . : -", not starting with ERR_STREAMERSON_; got ${JSON.stringify(code)}`,
      );
    }
  }
}

/** What a handler sees besides the state and the command. */
export interface CommandContext {
  /** The key (entity id) the command is for. */
  readonly key: string;
  /** The key's version before the command: how many commands changed it; 0 for a new key. */
  readonly version: number;
  /** The command's id (its idempotency key): a retried command with the same id is applied once. */
  readonly commandId: string;
  /** The writer's clock for this batch (Unix ms), the same for every command of the batch. */
  readonly now: number;
  /**
   * Sends a command to a key of this machine (on any shard). It is written in
   * the same atomic step as this command's events and applied once on its
   * target, after them; its id is `<this command's id>/<index>`.
   */
  emit(key: string, type: string, payload: unknown): void;
  /** A {@link Rejection} to return or throw. */
  reject(code: string, message: string, details?: unknown): Rejection;
}

/** What a handler decides: the events to apply (none: the command changes nothing), or a rejection. */
export type Decision<E> = readonly E[] | Rejection;

/** A command handler and, optionally, a JSON Schema for its payload (checked before it runs). */
export interface CommandHandler<S, P, E> {
  readonly schema?: object;
  readonly decide: (state: S, payload: P, ctx: CommandContext) => Decision<E>;
}

/** Command types and their payloads: `{ deposit: { amount: number }, … }` (an interface or a type). */
export type CommandMap = object;

/** The definition handed to {@link defineMachine}. */
export interface MachineDefinition<S, C extends CommandMap, E> {
  /** The machine's name: its command topic, and the prefix of its streams. */
  readonly name: string;
  /** Shards; keys go to `fnv1a32(key) % shards`, as keyed messages of a topic. Default {@link DEFAULT_MACHINE_SHARDS}. */
  readonly shards?: number;
  /** The state of a key no command changed yet. */
  readonly initial: (key: string) => S;
  readonly commands: { readonly [T in keyof C]: CommandHandler<S, C[T], E> | CommandHandler<S, C[T], E>['decide'] };
  /** Folds one event into the state; pure. */
  readonly apply: (state: S, event: E) => S;
}

/** A registered command: its decision function and compiled payload check. */
export interface MachineCommand<S, E> {
  readonly decide: (state: S, payload: unknown, ctx: CommandContext) => Decision<E>;
  readonly check: PayloadCheck | undefined;
  /** The payload's JSON Schema as defined (HTTP routes document it). */
  readonly schema: object | undefined;
}

/** What writers, readers and clients need to know of a machine without its code. */
export interface MachineRef {
  readonly name: string;
  readonly shards: number;
}

/** A checked machine definition. */
export interface Machine<S = unknown, C extends CommandMap = CommandMap, E = unknown> extends MachineRef {
  /** The state of a key no command changed yet. */
  initial(key: string): S;
  /** Folds one event into the state. */
  apply(state: S, event: E): S;
  /** Command types, in definition order. */
  readonly commandTypes: readonly string[];
  /** Never set: carries the command types to `MachineClient.send`. */
  readonly commandMap?: C;
  /** The command of `type`, or undefined. */
  command(type: string): MachineCommand<S, E> | undefined;
  /** The state after `events`, from `state`. */
  fold(state: S, events: readonly E[]): S;
}

/** The shard of `key` in a machine. */
export function shardOf(machine: MachineRef, key: string): number {
  return shardForKey(key, machine.shards);
}

/** Checks a machine reference (name and shards) given without a definition. */
export function parseMachineRef(ref: unknown, option = 'machine'): MachineRef {
  const o = objectOption(ref, option);
  return Object.freeze({
    name: validateTopic(o['name'], `${option}.name`),
    shards: intOption(o['shards'], `${option}.shards`, DEFAULT_MACHINE_SHARDS, 1, MAX_MACHINE_SHARDS),
  });
}

const DEFINITION_KEYS = optionKeys<MachineDefinition<unknown, CommandMap, unknown>>({ name: true, shards: true, initial: true, commands: true, apply: true });
const HANDLER_KEYS = optionKeys<CommandHandler<unknown, unknown, unknown>>({ schema: true, decide: true });

/**
 * Checks a definition once (names, functions, schemas compiled with ajv) and
 * returns the machine writers, readers and clients take.
 */
export function defineMachine<S, C extends CommandMap, E>(definition: MachineDefinition<S, C, E>): Machine<S, C, E> {
  const o = optionsObject(definition, DEFINITION_KEYS, 'machine');
  const { name, shards } = parseMachineRef({ name: o['name'], shards: o['shards'] });
  const initial = functionOption<(key: string) => S>(o['initial'], 'machine.initial');
  const apply = functionOption<(state: S, event: E) => S>(o['apply'], 'machine.apply');
  if (initial === undefined) throw new InvalidOptionError('machine.initial', 'required: the state of a new key');
  if (apply === undefined) throw new InvalidOptionError('machine.apply', 'required: folds an event into the state');
  const commands = new Map<string, MachineCommand<S, E>>();
  for (const [type, handler] of Object.entries(objectOption(o['commands'], 'machine.commands'))) {
    const where = `machine.commands.${type}`;
    if (type === '') throw new InvalidOptionError(where, 'a command type is a non-empty string');
    const h = (typeof handler === 'function' ? { decide: handler } : optionsObject(handler, HANDLER_KEYS, where)) as unknown as CommandHandler<S, unknown, E>;
    if (typeof h.decide !== 'function') throw new InvalidOptionError(`${where}.decide`, 'expected a function');
    commands.set(type, {
      decide: h.decide,
      check: h.schema === undefined ? undefined : compileSchema(h.schema, `${where}.schema`),
      schema: h.schema as object | undefined,
    });
  }
  if (commands.size === 0) throw new InvalidOptionError('machine.commands', 'expected at least one command');
  return Object.freeze({
    name,
    shards,
    initial,
    apply,
    commandTypes: Object.freeze([...commands.keys()]),
    command: (type: string) => commands.get(type),
    fold: (state: S, events: readonly E[]) => events.reduce(apply, state),
  });
}
