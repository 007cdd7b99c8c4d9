/**
 * A todo resource: the gateway validates shapes with route schemas (and
 * documents them in OpenAPI); the worker owns the rules and the state.
 *
 *   GET    /todos        list
 *   POST   /todos        create   {title, done?}  → 201 + Location
 *   GET    /todos/:id    read                     → 404 TODO_NOT_FOUND
 *   PUT    /todos/:id    replace  {title, done}   → 404, 422 INVALID_TODO
 *   DELETE /todos/:id    delete                   → 204, 404
 */
import type { Engine } from '@streamerson/core';
import { httpReply, type Gateway, type HttpRequest } from '@streamerson/gateway';
import { Service, ServiceError } from '@streamerson/service';
import type { StateWriter } from '@streamerson/state';
import { todoWriter, TodoStore, type Todo } from './todo-store.js';

/** Topic of the requests. */
export const CRUD_TOPIC = 'todos';
/** Name of the todos' state machine (see {@link TodoStore}). */
export const TODO_MACHINE = 'todos.state';
/** Longest title accepted. */
export const MAX_TITLE_LENGTH = 200;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const todoBody = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: { title: { type: 'string', minLength: 1, maxLength: MAX_TITLE_LENGTH }, done: { type: 'boolean' } },
} as const;

/** Adds the five routes to a gateway. */
export function crudRoutes(gateway: Gateway): void {
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, type: string, schema: object) =>
    gateway.route({ method, url, topic: CRUD_TOPIC, type, schema });
  route('GET', '/todos', 'list', { summary: 'List todos' });
  route('POST', '/todos', 'create', { summary: 'Create a todo', body: todoBody });
  route('GET', '/todos/:id', 'read', { summary: 'Read a todo', params: idParams });
  route('PUT', '/todos/:id', 'replace', { summary: 'Replace a todo', params: idParams, body: { ...todoBody, required: ['title', 'done'] } });
  route('DELETE', '/todos/:id', 'delete', { summary: 'Delete a todo', params: idParams });
}

type Body = { title: string; done?: boolean };

/** A title must say something: all-blank titles pass the schema but not the worker. */
function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw new ServiceError('title must not be blank', { status: 422, errorCode: 'INVALID_TODO', details: { field: 'title' } });
  return trimmed;
}

const notFound = (id: string) => new ServiceError(`no todo ${id}`, { status: 404, errorCode: 'TODO_NOT_FOUND' });

async function existing(store: TodoStore, id: string): Promise<Todo> {
  const todo = await store.get(id);
  if (todo === undefined) throw notFound(id);
  return todo;
}

/**
 * A worker: the service answering the routes and a writer of the todos'
 * machine. Any number may run: the requests are shared, one writer writes
 * each shard and the others stand by.
 */
export class CrudWorker {
  readonly store: TodoStore;
  readonly service: Service;
  readonly writer: StateWriter<unknown, unknown>;

  constructor(engine: Engine, machine = TODO_MACHINE) {
    const store = (this.store = new TodoStore(engine, machine));
    this.writer = todoWriter(engine, machine) as StateWriter<unknown, unknown>;
    this.service = new Service(engine, { topic: CRUD_TOPIC, name: 'todos' })
      .handle('list', async () => store.list())
      .handle('read', async (req: HttpRequest) => existing(store, req.params['id']!))
      .handle('create', async (req: HttpRequest<Body>) => {
        const todo = await store.create(checkTitle(req.body!.title), req.body!.done ?? false);
        return httpReply(201, todo, { location: `/todos/${todo.id}` });
      })
      .handle('replace', async (req: HttpRequest<Body>) => {
        const id = req.params['id']!;
        const todo = await store.update({ id, title: checkTitle(req.body!.title), done: req.body!.done ?? false });
        if (todo === undefined) throw notFound(id);
        return todo;
      })
      .handle('delete', async (req: HttpRequest) => {
        if (!(await store.delete(req.params['id']!))) throw notFound(req.params['id']!);
        return httpReply(204);
      });
  }

  async start(): Promise<void> {
    await this.writer.start();
    await this.service.start();
  }

  /** Finishes the requests under way, then hands the writer's shards off. */
  async drain(): Promise<void> {
    await this.service.drain();
    await this.store.close();
    await this.writer.drain();
  }

  async close(): Promise<void> {
    await this.service.close();
    await this.store.close();
    await this.writer.close();
  }
}

/** A worker of the todos (see {@link CrudWorker}). */
export function crudService(engine: Engine, machine = TODO_MACHINE): CrudWorker {
  return new CrudWorker(engine, machine);
}
