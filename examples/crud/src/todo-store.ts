/**
 * Todos as a state machine (@streamerson/state, docs/STATE.md): one key per
 * todo, commands `create`, `replace` and `delete` decided by one fenced
 * writer per shard (any number of workers run a `StateWriter`; one writes
 * each shard, the others stand by and take over). Each change is in the
 * machine's changelog with its version; the store reads what the engine holds
 * (`readKey`, `readShard`), so every worker answers with the latest state, and
 * a worker started from nothing has nothing to rebuild.
 */
import { randomUUID } from 'node:crypto';
import type { Engine } from '@streamerson/core';
import { CommandError, defineMachine, MachineClient, readKey, readShard, StateWriter, type Versioned } from '@streamerson/state';

export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
  /** How many changes made this version (1: created). */
  readonly version: number;
}

type Fields = { title: string; done: boolean };
/** A todo's state; null before it is created and after it is deleted. */
type TodoState = Fields | null;
type TodoEvent = { type: 'created' | 'replaced'; title: string; done: boolean } | { type: 'deleted' };

/** Shards of the todos' machine. */
export const TODO_SHARDS = 4;

const fields = {
  type: 'object',
  required: ['title', 'done'],
  additionalProperties: false,
  properties: { title: { type: 'string' }, done: { type: 'boolean' } },
} as const;

/** The todos' machine, named `name` (its command topic and the prefix of its keys). */
export function todoMachine(name: string) {
  return defineMachine<TodoState, { create: Fields; replace: Fields; delete: Record<string, never> }, TodoEvent>({
    name,
    shards: TODO_SHARDS,
    initial: () => null,
    commands: {
      create: {
        schema: fields,
        decide: (todo, { title, done }, ctx) => (todo === null ? [{ type: 'created', title, done }] : ctx.reject('TODO_EXISTS', `todo ${ctx.key} exists`)),
      },
      replace: {
        schema: fields,
        decide: (todo, { title, done }, ctx) => (todo === null ? ctx.reject('TODO_NOT_FOUND', `no todo ${ctx.key}`) : [{ type: 'replaced', title, done }]),
      },
      delete: (todo, _payload, ctx) => (todo === null ? ctx.reject('TODO_NOT_FOUND', `no todo ${ctx.key}`) : [{ type: 'deleted' }]),
    },
    apply: (_todo, event) => (event.type === 'deleted' ? null : { title: event.title, done: event.done }),
  });
}

export type TodoMachine = ReturnType<typeof todoMachine>;

/** A writer of the todos' shards; run one in every worker. */
export function todoWriter(engine: Engine, name: string): StateWriter<TodoState, TodoEvent> {
  return new StateWriter(engine, todoMachine(name));
}

function todoOf(id: string, value: Versioned | undefined): Todo | undefined {
  const state = value?.state as TodoState | undefined;
  return state === null || state === undefined ? undefined : { id, title: state.title, done: state.done, version: value!.version };
}

export class TodoStore {
  readonly machine: TodoMachine;
  private readonly client: MachineClient<TodoState, { create: Fields; replace: Fields; delete: Record<string, never> }>;

  constructor(
    private readonly engine: Engine,
    name: string,
  ) {
    this.machine = todoMachine(name);
    this.client = new MachineClient(engine, this.machine);
  }

  async list(): Promise<Todo[]> {
    const out: Todo[] = [];
    for (let shard = 0; shard < this.machine.shards; shard++) {
      for (const [id, value] of await readShard(this.engine, this.machine, shard)) {
        const todo = todoOf(id, value);
        if (todo !== undefined) out.push(todo);
      }
    }
    return out;
  }

  async get(id: string): Promise<Todo | undefined> {
    return todoOf(id, await readKey(this.engine, this.machine, id));
  }

  async create(title: string, done: boolean): Promise<Todo> {
    const id = randomUUID();
    return todoOf(id, await this.client.send(id, 'create', { title, done }))!;
  }

  /** Replaces a todo; undefined when there is none. */
  async update(todo: Omit<Todo, 'version'>): Promise<Todo | undefined> {
    return this.client.send(todo.id, 'replace', { title: todo.title, done: todo.done }).then((r) => todoOf(todo.id, r), notFound);
  }

  /** Deletes a todo; false when there was none. */
  async delete(id: string): Promise<boolean> {
    return (await this.client.send(id, 'delete', {}).then(() => true, notFound)) ?? false;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Undefined for a rejection that says the todo does not exist; other failures are thrown. */
function notFound(error: unknown): undefined {
  if (error instanceof CommandError && error.errorCode === 'TODO_NOT_FOUND') return undefined;
  throw error;
}
