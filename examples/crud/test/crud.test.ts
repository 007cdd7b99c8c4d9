import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import { readHistory } from '@streamerson/state';
import { startRedis, uniqueName, type RedisServer } from '@streamerson/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { crudRoutes, crudService, type CrudWorker } from '../src/crud.js';
import { TodoStore } from '../src/todo-store.js';

let redis: RedisServer;
let engine: Engine;
let app: FastifyInstance;
let base: string;
const workers: CrudWorker[] = [];
const state = uniqueName('todos.state');

before(async () => {
  redis = await startRedis();
  engine = await connect(redis.url);
  // Two workers: they share the requests; one writer writes each shard of the todos, the other stands by.
  for (let i = 0; i < 2; i++) {
    const w = crudService(engine, state);
    await w.start();
    workers.push(w);
  }
  app = Fastify();
  await app.register(streamersonGateway, { engine });
  crudRoutes(app.streamerson);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await app.close();
  for (const w of workers) await w.close();
  await engine.close();
  await redis.stop();
});

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

it('creates, reads, lists, replaces and deletes a todo', async () => {
  const created = await fetch(`${base}/todos`, json('POST', { title: '  buy milk ' }));
  assert.equal(created.status, 201);
  const todo = (await created.json()) as { id: string; title: string; done: boolean };
  assert.equal(created.headers.get('location'), `/todos/${todo.id}`);
  assert.deepEqual({ title: todo.title, done: todo.done }, { title: 'buy milk', done: false });
  // Read many times: whichever worker answers sees the todo.
  for (let i = 0; i < 6; i++) assert.equal(((await (await fetch(`${base}/todos/${todo.id}`)).json()) as { title: string }).title, 'buy milk');
  const replaced = await fetch(`${base}/todos/${todo.id}`, json('PUT', { title: 'buy oat milk', done: true }));
  assert.equal(replaced.status, 200);
  assert.deepEqual(((await replaced.json()) as { done: boolean }).done, true);
  const list = (await (await fetch(`${base}/todos`)).json()) as { id: string; title: string }[];
  assert.deepEqual(
    list.map((t) => [t.id, t.title]),
    [[todo.id, 'buy oat milk']],
  );
  const deleted = await fetch(`${base}/todos/${todo.id}`, json('DELETE'));
  assert.equal(deleted.status, 204);
  assert.equal(await deleted.text(), '');
  assert.equal((await fetch(`${base}/todos/${todo.id}`)).status, 404);
  assert.deepEqual(
    (await readHistory(engine, workers[0]!.store.machine, todo.id)).map((c) => [c.type, c.version]),
    [
      ['create', 1],
      ['replace', 2],
      ['delete', 3],
    ],
    'three changes in the changelog',
  );
});

it('answers validation errors and 404s with coded bodies', async () => {
  const missing = await fetch(`${base}/todos`, json('POST', { done: true }));
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_BAD_REQUEST');
  const blank = await fetch(`${base}/todos`, json('POST', { title: '   ' }));
  assert.equal(blank.status, 422);
  assert.deepEqual(await blank.json(), { error: { code: 'INVALID_TODO', message: 'title must not be blank', details: { field: 'title' } } });
  const badId = await fetch(`${base}/todos/not-a-uuid`);
  assert.equal(badId.status, 400);
  const unknown = await fetch(`${base}/todos/00000000-0000-4000-8000-000000000000`, json('PUT', { title: 'x', done: false }));
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'TODO_NOT_FOUND');
});

it('a store started from nothing reads the todos from the engine', async () => {
  const created = (await (await fetch(`${base}/todos`, json('POST', { title: 'persist me' }))).json()) as { id: string };
  const fresh = new TodoStore(engine, state);
  assert.equal((await fresh.get(created.id))?.title, 'persist me');
  await fresh.close();
});
