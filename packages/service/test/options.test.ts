import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine, StreamersonError } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import {
  Client,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  REPLY_STREAM_PREFIX,
  Service,
  ServiceError,
  deadLetterStream,
  parseClientOptions,
  parseDeadLetter,
  parseServiceOptions,
} from '../src/index.js';
import { deadLetterFields } from '../src/service/dead-letter.js';
import { retrySchedule } from '../src/service/service-options.js';

test('service options: defaults, frozen, bad values name the option', () => {
  const c = parseServiceOptions({ name: 'orders', topic: 'orders.get' });
  assert.equal(c.group, 'orders');
  assert.equal(c.concurrency, DEFAULT_CONCURRENCY);
  assert.equal(c.maxDeliveries, DEFAULT_MAX_DELIVERIES);
  assert.equal(c.deadLetterStream, 'orders.get:dlq');
  assert.equal(deadLetterStream('x'), 'x:dlq');
  assert.match(c.consumer, /-\d+$/);
  assert.equal(c.source, '');
  assert.ok(Object.isFrozen(c));
  for (const [options, option] of [
    [{ topic: 't' }, 'name'],
    [{ name: 'n', topic: 'bad topic' }, 'topic'],
    [{ name: 'n', topic: 't', concurrency: 0 }, 'concurrency'],
    [{ name: 'n', topic: 't', retryJitter: 2 }, 'retryJitter'],
    [{ name: 'n', topic: 't', retryDelayMs: 100, maxRetryDelayMs: 10 }, 'maxRetryDelayMs'],
    [{ name: 'n', topic: 't', shards: 1.5 }, 'shards'],
  ] as const) {
    assert.throws(() => parseServiceOptions(options), { code: 'ERR_STREAMERSON_INVALID_OPTION', option });
  }
});

test('client options: defaults, reply stream named by instance id', () => {
  const c = parseClientOptions({});
  assert.equal(c.timeout, DEFAULT_REQUEST_TIMEOUT_MS);
  assert.equal(c.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
  assert.equal(c.replyStream, REPLY_STREAM_PREFIX + c.id);
  assert.notEqual(parseClientOptions({}).id, c.id);
  assert.equal(parseClientOptions({ id: 'gw-1' }).replyStream, '_reply:gw-1');
  assert.throws(() => parseClientOptions({ maxInFlight: 0 }), { option: 'maxInFlight' });
  assert.throws(() => parseClientOptions({ id: 'a b' }), { option: 'id' });
});

test("retry delays grow exponentially, are capped and stay within the jitter (core's backoff)", () => {
  const retries = retrySchedule(parseServiceOptions({ name: 'n', topic: 't', retryDelayMs: 100, maxRetryDelayMs: 1_000, retryJitter: 0.2 }));
  for (let i = 0; i < 200; i++) {
    const first = retries.delay(1);
    assert.ok(first >= 80 && first <= 100, `first ${first}`);
    const third = retries.delay(3);
    assert.ok(third >= 320 && third <= 400, `third ${third}`);
    assert.ok(retries.delay(30) <= 1_000);
  }
  assert.equal(retrySchedule(parseServiceOptions({ name: 'n', topic: 't', retryDelayMs: 100, retryJitter: 0 })).delay(2), 200);
});

test('the default retries of a failing request all fit inside the default request timeout', () => {
  const c = parseServiceOptions({ name: 'n', topic: 't' });
  // Without jitter: the longest the waits can be.
  const longest = retrySchedule({ ...c, retryJitter: 0 });
  let waits = 0;
  for (let n = 1; n < c.maxDeliveries; n++) waits += longest.delay(n);
  assert.ok(waits < DEFAULT_REQUEST_TIMEOUT_MS / 2, `the waits (${waits} ms) leave most of the timeout to the handler`);
  assert.ok(c.maxRetryDelayMs < c.claimIdleMs, 'a retry waiting for its delay is never taken for abandoned');
  assert.ok(c.claimIdleMs + c.claimIntervalMs < DEFAULT_REQUEST_TIMEOUT_MS, "a dead member's requests run again before they time out");
});

test('dead-letter fields round-trip; entries without metadata are not dead letters', () => {
  const raw = { id: '5-1', fields: [Buffer.from('foo'), Buffer.from('bar')] };
  const meta = {
    stream: 's',
    entryId: '5-1',
    errorCode: 'E',
    errorMessage: 'm',
    deliveries: 3,
    service: 'svc',
    group: 'g',
    consumer: 'c',
    firstFailedAt: 1,
    failedAt: 17,
  };
  const fields = deadLetterFields(raw, meta).map((f) => Buffer.from(f));
  const letter = parseDeadLetter({ id: '9-0', fields });
  assert.deepEqual(letter, { id: '9-0', original: raw, meta });
  assert.equal(parseDeadLetter(raw), undefined);
  // A letter without the newer firstFailedAt pair (an older or other writer) still parses.
  const older = fields.slice(0, -2);
  assert.deepEqual(parseDeadLetter({ id: '9-1', fields: older })?.meta, { ...meta, firstFailedAt: 17 });
});

test('ServiceError: defaults and status bounds', () => {
  const e = new ServiceError('nope');
  assert.equal(e.code, 'ERR_STREAMERSON_SERVICE');
  assert.equal(e.status, 500);
  assert.equal(e.errorCode, 'ERR_STREAMERSON_SERVICE');
  assert.equal(e.retryable, false);
  assert.equal(e.name, 'ServiceError');
  assert.equal(new ServiceError('x', { status: 200 }).status, 500);
});

test('handle() refuses duplicates and non-functions; lifecycle verbs are idempotent', async () => {
  const engine = new MemoryEngine(uniqueName('opts'));
  const svc = new Service(engine, { name: 'n', topic: uniqueName('t') });
  svc.handle('a', () => 1);
  assert.throws(() => svc.handle('a', () => 2), { option: 'type' });
  assert.throws(() => svc.handle('b', 3 as never), { option: 'handler' });
  await svc.start();
  await svc.start();
  await Promise.all([svc.drain(), svc.close()]);
  await svc.close();
  const client = new Client(engine);
  await client.close();
  await client.close();
  await assert.rejects(client.publish('t', 'x', 1), { code: 'ERR_STREAMERSON_CLOSED' });
  await engine.close();
});

test('service options: registry, idempotency and logger options are checked', () => {
  const c = parseServiceOptions({ name: 's', topic: 't' });
  assert.equal(c.announce, true);
  assert.equal(c.idempotencyTtlMs, 0);
  assert.deepEqual(c.produces, []);
  assert.equal(typeof c.logger.child, 'function');
  for (const [option, value] of [
    ['announce', 'yes'],
    ['registryTtlMs', 0],
    ['produces', 'audit'],
    ['idempotencyTtlMs', -1],
    ['logger', console.log],
  ] as const) {
    assert.throws(() => parseServiceOptions({ name: 's', topic: 't', [option]: value }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option }, option);
  }
  assert.throws(() => parseServiceOptions({ name: 's', topic: 't', produces: ['ok', 'not ok'] }), { option: 'produces.1' });
});

test('client: an empty idempotency key is refused before anything is sent', async () => {
  const engine = new MemoryEngine(uniqueName('idem'));
  const c = new Client(engine);
  await assert.rejects(c.request('t', 'x', 1, { idempotencyKey: '' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'idempotencyKey' });
  assert.equal(c.stats().inFlight, 0);
  assert.equal(await engine.length('t'), 0);
  await c.close();
  await engine.close();
});

test('client: shard sends a request or a publish to that shard; out of range or with key is refused before anything is sent', async () => {
  const engine = new MemoryEngine(uniqueName('shard'));
  const c = new Client(engine);
  await c.publish('t', 'x', 1, { shards: 3, shard: 2 });
  await c.publish('t', 'x', 2, { shards: 3, shard: 2 });
  assert.deepEqual([await engine.length('t#0'), await engine.length('t#1'), await engine.length('t#2')], [0, 0, 2]);
  const request = assert.rejects(c.request('t', 'x', 3, { shards: 3, shard: 1, timeout: 60_000 }), { code: 'ERR_STREAMERSON_CLOSED' });
  await waitFor(async () => (await engine.length('t#1')) === 1, { what: 'the request on shard 1' });
  await assert.rejects(c.publish('t', 'x', 1, { shards: 3, shard: 3 }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'shard' });
  await assert.rejects(c.request('t', 'x', 1, { shard: 1 }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'shard' });
  await assert.rejects(c.request('t', 'x', 1, { shards: 3, shard: 0, key: 'k' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'shard' });
  assert.equal(c.stats().inFlight, 1);
  await c.close();
  await request;
  await engine.close();
});

test('client: a start that failed because the engine was out of reach is tried again', async () => {
  const engine = new MemoryEngine(uniqueName('retry-start'));
  const append = engine.append.bind(engine);
  let failures = 1;
  engine.append = (...args: Parameters<typeof engine.append>) => {
    if (failures-- > 0) return Promise.reject(new StreamersonError('ERR_STREAMERSON_CONNECTION', 'engine out of reach'));
    return append(...args);
  };
  const svc = new Service(engine, { name: 's', topic: 'ping', announce: false, blockMs: 50 }).handle('ping', () => 'pong');
  await svc.start();
  const c = new Client(engine, { blockMs: 50 });
  await assert.rejects(c.request('ping', 'ping', null), { code: 'ERR_STREAMERSON_CONNECTION' });
  assert.equal(await c.request('ping', 'ping', null), 'pong');
  await c.close();
  await svc.close();
  await engine.close();
});

test('service: drain gives up after drainTimeoutMs on a handler that never ends', async () => {
  const engine = new MemoryEngine(uniqueName('stuck'));
  let started = 0;
  const svc = new Service(engine, { name: 's', topic: 'stuck', announce: false, blockMs: 50, drainTimeoutMs: 150 }).handle('hang', () => {
    started++;
    return new Promise(() => undefined);
  });
  await svc.start();
  const c = new Client(engine, { blockMs: 50 });
  await c.publish('stuck', 'hang', null);
  await waitFor(() => started === 1, { what: 'the handler running' });
  const t = Date.now();
  await svc.drain();
  const took = Date.now() - t;
  assert.ok(took >= 140 && took < 2_000, `drain resolved after ${took} ms`);
  assert.equal(svc.stats().drainTimeouts, 1);
  assert.equal((await engine.pendingSummary('stuck', 's')).count, 1, 'the entry stays pending for another member');
  await c.close();
  await engine.close();
});
