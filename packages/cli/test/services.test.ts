/** request, publish and dlq against a running Service in this process. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, decodeEntry, encodeMessage, ProtocolError, type Engine } from '@streamerson/core';
import { Service, ServiceError } from '@streamerson/service';
import { redisCommand, startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli, lines, PROCESS_WAIT_MS } from './cli.js';

const fast = { blockMs: 50, retryDelayMs: 10, maxRetryDelayMs: 20, claimIntervalMs: 50, consumer: 'm1' } as const;

describe('services from the command line', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  const services: Service[] = [];
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
  });
  after(async () => {
    for (const s of services) await s.close();
    await engine.close();
    await redis.stop();
  });

  async function service(topic: string, options: Partial<ConstructorParameters<typeof Service>[1]> = {}): Promise<Service> {
    const s = new Service(engine, { name: `svc-${topic}`, topic, ...fast, ...options });
    services.push(s);
    return s;
  }

  test('request prints the reply; error replies and timeouts exit non-zero with their code', async () => {
    const topic = uniqueName('req');
    const seen: unknown[] = [];
    const svc = await service(topic);
    svc
      .handle('add', (p: { a: number; b: number }) => ({ sum: p.a + p.b }))
      .handle('fail', () => {
        throw new ServiceError('no such order', { status: 404, errorCode: 'ORDER_NOT_FOUND' });
      })
      .handle('note', (p: unknown) => {
        seen.push(p);
      });
    await svc.start();
    const ok = await cli(['request', topic, 'add', '{"a":2,"b":3}'], { url });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { sum: 5 });

    const failed = await cli(['request', topic, 'fail'], { url });
    assert.equal(failed.code, 4);
    assert.equal(failed.stdout, '');
    assert.match(failed.stderr, /"code":"ORDER_NOT_FOUND"/);
    assert.match(failed.stderr, /streamerson: ERR_STREAMERSON_REMOTE: no such order/);

    const silent = uniqueName('silent');
    await engine.createGroup(silent, 'asleep', '$');
    const nobody = await cli(['request', silent, 'x', '1', '--timeout', '200'], { url });
    assert.equal(nobody.code, 5);
    assert.match(nobody.stderr, /^streamerson: ERR_STREAMERSON_TIMEOUT: .*\(group "asleep": 0 consumers, 0 pending, 1 not yet read\)\n$/);

    const badJson = await cli(['request', topic, 'add', '{oops'], { url });
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /ERR_STREAMERSON_USAGE: the payload must be JSON/);

    const published = await cli(['publish', topic, 'note', '"hello"', '-H', 'tenant=a'], { url });
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /^\d+-\d+\n$/);
    await waitFor(() => seen.length === 1, { what: 'the one-way message handled', timeoutMs: PROCESS_WAIT_MS });
    assert.deepEqual(seen, ['hello']);
  });

  test('request to a topic nobody reads says so at once and writes nothing; a payload the service rejects is answered, not timed out', async () => {
    const missing = uniqueName('nosuch');
    const none = await cli(['request', missing, 'x', '1'], { url });
    assert.equal(none.code, 6);
    assert.equal(none.stderr, `streamerson: ERR_STREAMERSON_NOT_FOUND: nobody reads topic "${missing}": it does not exist\n`);
    assert.equal(await engine.info(missing), null, 'asking created no stream');

    const unread = uniqueName('unread');
    await engine.append(unread, encodeMessage({ payload: 1 }));
    const noGroup = await cli(['request', unread, 'x', '1'], { url });
    assert.equal(noGroup.code, 6);
    assert.equal(
      noGroup.stderr,
      `streamerson: ERR_STREAMERSON_NOT_FOUND: nobody reads topic "${unread}": it has no consumer group (no service ever started on it)\n`,
    );
    assert.equal(await engine.length(unread), 1, 'nothing was written');

    const topic = uniqueName('strict');
    const svc = await service(topic);
    svc
      .handle('add', (p: { a: number }) => p.a + 1, { schema: { type: 'object', required: ['a'], properties: { a: { type: 'number' } } } })
      .handle('crash', () => {
        throw new Error('internal detail');
      });
    await svc.start();
    const invalid = await cli(['request', topic, 'add', '{"a":"one"}'], { url });
    assert.equal(invalid.code, 4, invalid.stderr);
    assert.equal(invalid.stdout, '');
    const [reply, line] = lines(invalid.stderr);
    assert.deepEqual(JSON.parse(reply!), {
      status: 400,
      code: 'ERR_STREAMERSON_INVALID_PAYLOAD',
      message: 'the payload of "add" does not match its schema',
      details: { problems: [{ path: '/a', message: 'must be number' }] },
    });
    assert.equal(line, 'streamerson: ERR_STREAMERSON_REMOTE: the payload of "add" does not match its schema');

    // Retried (maxDeliveries 5), then dead-lettered: the requester gets the failure, well within its 10 s.
    const crashed = await cli(['request', topic, 'crash'], { url });
    assert.equal(crashed.code, 4, crashed.stderr);
    assert.match(crashed.stderr, /"code":"ERR_STREAMERSON_DEAD_LETTER"/);
    assert.match(crashed.stderr, /\nstreamerson: ERR_STREAMERSON_REMOTE: the message failed 5 deliveries\n$/);
    assert.doesNotMatch(crashed.stderr, /internal detail|TIMEOUT/);
  });

  test('dlq ls, show, replay and purge work on the dead letters a service wrote', async () => {
    const topic = uniqueName('dlq');
    let healthy = false;
    const handled: number[] = [];
    const svc = await service(topic, { maxDeliveries: 1 });
    svc.handle('job', (p: { n: number }) => {
      if (!healthy) throw new ServiceError('not yet', { errorCode: 'NOT_YET', retryable: true });
      handled.push(p.n);
    });
    await svc.start();
    await engine.appendBatch([1, 2, 3].map((n) => ({ stream: topic, fields: encodeMessage({ type: 'job', payload: { n } }) })));
    await waitFor(async () => (await engine.length(`${topic}:dlq`)) === 3, { what: 'three dead letters', timeoutMs: PROCESS_WAIT_MS });

    const listed = lines((await cli(['dlq', 'ls', topic], { url })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(listed.length, 3);
    assert.equal(listed[0]!['errorCode'], 'NOT_YET');
    assert.equal(listed[0]!['type'], 'job');
    assert.equal(listed[0]!['stream'], topic);
    assert.equal(listed[0]!['deliveries'], 1);

    const shown = JSON.parse((await cli(['dlq', 'show', topic, '--count', '1'], { url })).stdout) as { message: { payload: unknown } };
    assert.deepEqual(shown.message.payload, { n: 1 });

    const info = await cli(['info', topic, '--json'], { url });
    assert.equal((JSON.parse(info.stdout) as { deadLetters: number }).deadLetters, 3);

    healthy = true;
    const replayed = await cli(['dlq', 'replay', '--id', String(listed[0]!['id']), topic], { url });
    assert.equal(replayed.code, 0, replayed.stderr);
    await waitFor(() => handled.length === 1, { what: 'the replayed message handled', timeoutMs: PROCESS_WAIT_MS });
    assert.deepEqual(handled, [1]);
    assert.equal(await engine.length(`${topic}:dlq`), 2);

    const purged = await cli(['dlq', 'purge', topic], { url });
    assert.equal(purged.stdout, '2\n');
    assert.equal(await engine.length(`${topic}:dlq`), 0);
  });

  test('dlq replay gives a request a new deadline, or replays it as an event; a replay the engine refuses keeps its letter and exits 1', async () => {
    const topic = uniqueName('dlqreq');
    // A reply stream that exists, as a waiting client's does (replies go only to reply streams that exist).
    const replies = `${topic}:replies`;
    await engine.deleteEntries(replies, [(await engine.append(replies, ['m', '1']))!]);
    let healthy = false;
    const handled: number[] = [];
    const svc = await service(topic, { maxDeliveries: 1 });
    svc.handle('job', (p: { n: number }) => {
      if (!healthy) throw new ServiceError('not yet', { errorCode: 'NOT_YET', retryable: true });
      handled.push(p.n);
      return p.n * 10;
    });
    await svc.start();
    // Requests whose deadline passes before their replay: replayed as they were, the service would drop them as expired.
    const deadline = Date.now() + 2_000;
    await engine.appendBatch(
      [1, 2].map((n) => ({
        stream: topic,
        fields: encodeMessage({ id: `job-${n}`, type: 'job', replyTo: replies, headers: { deadline: String(deadline) }, payload: { n } }),
      })),
    );
    await waitFor(async () => (await engine.length(`${topic}:dlq`)) === 2, { what: 'two dead letters', timeoutMs: PROCESS_WAIT_MS });
    assert.equal(await engine.length(replies), 2, 'each requester was told of its dead letter');
    await waitFor(() => Date.now() > deadline, { what: 'the old deadline passed' });
    const [first, second] = lines((await cli(['dlq', 'ls', topic], { url })).stdout).map((l) => (JSON.parse(l) as { id: string }).id);

    healthy = true;
    const asRequest = await cli(['dlq', 'replay', topic, '--id', first!, '--timeout', '60000'], { url });
    assert.equal(asRequest.code, 0, asRequest.stderr);
    const { newId } = JSON.parse(asRequest.stdout) as { newId: string };
    const [replayed] = await engine.range(topic, newId, newId);
    const msg = decodeEntry(topic, replayed!);
    assert.ok(!(msg instanceof ProtocolError));
    assert.ok(Number(msg.headers['deadline']) >= Date.now() + 50_000, 'a new deadline, a minute from the replay');
    assert.equal(msg.id, 'job-1', 'the same message id');
    await waitFor(async () => (await engine.length(replies)) === 3, { what: 'the reply to the replayed request', timeoutMs: PROCESS_WAIT_MS });
    assert.deepEqual(handled, [1], 'the handler ran: the request was not dropped as expired');

    const asEvent = await cli(['dlq', 'replay', topic, '--id', second!, '--as', 'event'], { url });
    assert.equal(asEvent.code, 0, asEvent.stderr);
    await waitFor(() => handled.length === 2, { what: 'the replayed event handled', timeoutMs: PROCESS_WAIT_MS });
    assert.equal(await engine.length(replies), 3, 'an event gets no reply');
    assert.equal(await engine.length(`${topic}:dlq`), 0);

    const bad = await cli(['dlq', 'replay', topic, '--as', 'later'], { url });
    assert.equal(bad.code, 2, bad.stderr);

    // A letter whose stream the engine refuses to append to (the key now holds a string): kept, exit 1.
    healthy = false;
    await engine.append(topic, encodeMessage({ id: 'job-3', type: 'job', payload: { n: 3 } }));
    await waitFor(async () => (await engine.length(`${topic}:dlq`)) === 1, { what: 'a third dead letter', timeoutMs: PROCESS_WAIT_MS });
    await svc.close();
    await engine.deleteStreams([topic]);
    await redisCommand(redis.port, ['SET', topic, 'not a stream']);
    const refused = await cli(['dlq', 'replay', topic], { url });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^streamerson: ERR_STREAMERSON_\w+: dead letter \S+ was not replayed \(kept in the dead-letter stream\): .*WRONGTYPE/);
    assert.equal(await engine.length(`${topic}:dlq`), 1, 'the letter is kept');
  });
});
