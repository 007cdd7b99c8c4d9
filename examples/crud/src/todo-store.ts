/**
 * Todos stored in the engine: every change is an entry of one state stream
 * (`put` with the whole todo, or `delete`), and the current todos are what
 * replaying that stream gives. Each worker keeps the replayed map as a cache
 * and reads the entries it has not seen before every operation, so any number
 * of workers, on any number of machines, agree on the state — and a worker
 * restarted from nothing rebuilds it. Concurrent updates of one todo: the later
 * entry wins.
 */
import { randomUUID } from 'node:crypto';
import { decodeEntry, encodeMessage, ProtocolError, type Engine } from '@streamerson/core';

export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
  /** Stream entry id of the change that made this version. */
  readonly version: string;
}

type Change = { readonly op: 'put'; readonly todo: Omit<Todo, 'version'> } | { readonly op: 'delete'; readonly id: string };

/** Entries read per page while catching up. */
const PAGE = 500;

export class TodoStore {
  private readonly todos = new Map<string, Todo>();
  private lastId = '0-0';

  constructor(private readonly engine: Engine, readonly stream: string) {}

  async list(): Promise<Todo[]> {
    await this.sync();
    return [...this.todos.values()];
  }

  async get(id: string): Promise<Todo | undefined> {
    await this.sync();
    return this.todos.get(id);
  }

  async create(title: string, done: boolean): Promise<Todo> {
    return this.write({ op: 'put', todo: { id: randomUUID(), title, done } });
  }

  async update(todo: Omit<Todo, 'version'>): Promise<Todo> {
    return this.write({ op: 'put', todo });
  }

  async delete(id: string): Promise<void> {
    await this.write({ op: 'delete', id });
  }

  private async write(change: Change): Promise<Todo> {
    await this.engine.append(this.stream, encodeMessage({ type: change.op, payload: change }));
    await this.sync();
    return change.op === 'put' ? this.todos.get(change.todo.id)! : (undefined as never);
  }

  /** Applies the entries appended since the last sync, by any worker. */
  private async sync(): Promise<void> {
    for (;;) {
      const [batch] = await this.engine.read([{ stream: this.stream, after: this.lastId }], { count: PAGE });
      const entries = batch?.entries ?? [];
      for (const entry of entries) {
        this.lastId = entry.id;
        const msg = decodeEntry(this.stream, entry);
        if (msg instanceof ProtocolError) continue;
        const change = msg.payload as Change;
        if (change.op === 'put') this.todos.set(change.todo.id, { ...change.todo, version: entry.id });
        else this.todos.delete(change.id);
      }
      if (entries.length < PAGE) return;
    }
  }
}
