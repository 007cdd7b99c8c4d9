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
import { TodoStore, type Todo } from './todo-store.js';

/** Topic of the requests. */
export const CRUD_TOPIC = 'todos';
/** Stream holding the todos (see {@link TodoStore}). */
export const TODO_STATE_STREAM = 'todos.state';
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

async function existing(store: TodoStore, id: string): Promise<Todo> {
  const todo = await store.get(id);
  if (todo === undefined) throw new ServiceError(`no todo ${id}`, { status: 404, errorCode: 'TODO_NOT_FOUND' });
  return todo;
}

/** The worker; its state lives in {@link TODO_STATE_STREAM}, so several may run. */
export function crudService(engine: Engine, stateStream = TODO_STATE_STREAM): Service {
  const store = new TodoStore(engine, stateStream);
  return new Service(engine, { topic: CRUD_TOPIC, name: 'todos' })
    .handle('list', async () => store.list())
    .handle('read', async (req: HttpRequest) => existing(store, req.params['id']!))
    .handle('create', async (req: HttpRequest<Body>) => {
      const todo = await store.create(checkTitle(req.body!.title), req.body!.done ?? false);
      return httpReply(201, todo, { location: `/todos/${todo.id}` });
    })
    .handle('replace', async (req: HttpRequest<Body>) => {
      const { id } = await existing(store, req.params['id']!);
      return store.update({ id, title: checkTitle(req.body!.title), done: req.body!.done ?? false });
    })
    .handle('delete', async (req: HttpRequest) => {
      await store.delete((await existing(store, req.params['id']!)).id);
      return httpReply(204);
    });
}
