/** A machine's HTTP routes on the gateway, over real HTTP (memory:// engine). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { MemoryEngine } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import { uniqueName } from '@streamerson/testkit';
import { machineRoutes, MachineClient, StateReader, StateWriter } from '../src/index.js';
import { bankMachine, type Account, type BankCommands } from './bank.js';

describe('machine routes on the gateway', () => {
  const engine = new MemoryEngine();
  const bank = bankMachine(uniqueName('bank'), 4);
  const writer = new StateWriter(engine, bank, { blockMs: 20 });
  const reader = new StateReader(engine, bank, { blockMs: 20 });
  let client: MachineClient<Account, BankCommands>;
  let app: FastifyInstance;
  let base: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/machines/${bank.name}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const get = (path: string) => fetch(`${base}/machines/${bank.name}${path}`);

  before(async () => {
    await writer.start();
    app = Fastify();
    await app.register(streamersonGateway, { engine });
    client = new MachineClient<Account, BankCommands>(engine, bank, { client: app.streamerson.client });
    machineRoutes<Account>(app, { machine: bank, client, reader });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await client.close();
    await reader.close();
    await writer.close();
    await engine.close();
  });

  test('commands answer the new version and state; a GET with minVersion reads its own write', async () => {
    const opened = await post('/alice/open', { balance: 100 });
    assert.equal(opened.status, 200);
    assert.deepEqual(await opened.json(), { key: 'alice', version: 1, state: { balance: 100, open: true } });
    assert.equal((await post('/bob/open', { balance: 0 })).status, 200);
    const sent = await post('/alice/transfer', { to: 'bob', amount: 30 }, { 'idempotency-key': 't-1' });
    assert.equal(sent.status, 200);
    const { version } = (await sent.json()) as { version: number };
    const read = await get(`/alice?minVersion=${version}`);
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), { key: 'alice', version: 2, state: { balance: 70, open: true } });
    const again = await post('/alice/transfer', { to: 'bob', amount: 30 }, { 'idempotency-key': 't-1' });
    assert.deepEqual(await again.json(), { key: 'alice', version: 2, state: { balance: 70, open: true }, duplicate: true });
    const bob = await get('/bob?minVersion=2');
    assert.deepEqual(await bob.json(), { key: 'bob', version: 2, state: { balance: 30, open: true } });
  });

  test("refusals: 409 with the stable code (and the machine's reason), 400 for a body failing the schema, 504 for a version never reached", async () => {
    const poor = await post('/carol/transfer', { to: 'bob', amount: 5 });
    assert.equal(poor.status, 409);
    assert.deepEqual(await poor.json(), { error: { code: 'ERR_STREAMERSON_REJECTED', reason: 'NO_ACCOUNT', message: 'account carol is not open' } });
    const conflict = await post('/alice/deposit?expectedVersion=0', { amount: 5 });
    assert.equal(conflict.status, 409);
    const body = (await conflict.json()) as { error: { code: string; details: unknown } };
    assert.equal(body.error.code, 'ERR_STREAMERSON_VERSION_CONFLICT');
    assert.deepEqual(body.error.details, { expected: 0, actual: 2 });
    const bad = await post('/alice/deposit', { amount: 'lots' });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: { code: string; details: { problems: string[] } } };
    assert.equal(badBody.error.code, 'ERR_STREAMERSON_INVALID_PAYLOAD');
    assert.deepEqual(badBody.error.details.problems, ['/amount must be integer']);
    const late = await get('/alice?minVersion=99');
    assert.equal(late.status, 504);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_TIMEOUT');
    assert.equal((await get('/alice')).status, 200, 'nothing refused was applied');
    assert.deepEqual(((await (await get('/alice')).json()) as { version: number }).version, 2);
  });

  test('the OpenAPI document lists each command with its schema as the request body', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>;
    };
    const transfer = doc.paths[`/machines/${bank.name}/{key}/transfer`]?.['post'];
    assert.ok(transfer !== undefined, Object.keys(doc.paths).join(', '));
    assert.deepEqual(transfer.requestBody?.content['application/json']?.schema.required, ['to', 'amount']);
    assert.ok(doc.paths[`/machines/${bank.name}/{key}`]?.['get'] !== undefined);
  });
  test("watch sends the key's state, then its changes, as Server-Sent Events until the client goes", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/machines/${bank.name}/bob/watch`, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        assert.ok(!done, `the stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/^event: state\ndata: .+\n\n/);
    assert.equal(text, `event: state\ndata: ${JSON.stringify({ key: 'bob', version: 2, state: { balance: 30, open: true } })}\n\n`);
    assert.equal((await post('/alice/transfer', { to: 'bob', amount: 10 })).status, 200);
    await until(/event: change\ndata: .+\n\n/);
    const change = JSON.parse(/event: change\ndata: (.+)\n\n/.exec(text)![1]!) as { key: string; version: number; type: string; state: unknown };
    assert.deepEqual([change.key, change.version, change.type, change.state], ['bob', 3, 'credit', { balance: 40, open: true }]);
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });
});
