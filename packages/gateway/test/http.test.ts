import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { decodeEntry, encodeMessage, InvalidOptionError, MemoryEngine, ProtocolError } from '@streamerson/core';
import { ServiceError, listInstances } from '@streamerson/service';
import { httpReply, streamersonGateway, type HttpRequest } from '../src/index.js';
import { waitFor } from '@streamerson/testkit';
import { gatewayApp, listen, topicName, worker } from './helpers.js';

const engine = new MemoryEngine();
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  await engine.close();
});

describe('HTTP routes over real sockets', async () => {
  const topic = topicName('http');
  const svc = await worker(engine, topic, {
    echo: (req: HttpRequest) => req,
    created: (req: HttpRequest) => httpReply(201, `created ${String((req.body as { name: string }).name)}`, { 'x-item': 'abc', 'content-length': '1' }),
    bytes: (req: HttpRequest) => httpReply(200, Buffer.from(req.bodyBase64 ?? '', 'base64').reverse(), { 'content-type': 'image/x-test' }),
    conflict: () => {
      throw new ServiceError('item exists', { status: 409, errorCode: 'ITEM_EXISTS', details: { id: 7 } });
    },
    slow: async (req: HttpRequest) => {
      await sleep(Number(req.query['ms'] ?? 0));
      return { done: true };
    },
    plain: () => 'just a string',
  });
  closers.push(() => svc.close());
  const app = await gatewayApp({ engine, timeout: 2_000 }, (a) => {
    a.addHook('onRequest', async (request) => {
      if (request.headers['authorization'] === 'Bearer good') request.auth = { user: 'ada', roles: ['admin'] };
      if (request.headers['authorization'] === 'Bearer bigint') request.auth = { user: 'ada', n: 1n };
    });
    a.streamerson.route({ method: 'POST', url: '/echo/:id', topic, type: 'echo' });
    a.streamerson.route({ method: 'POST', url: '/items', topic, type: 'created' });
    a.streamerson.route({ method: 'PUT', url: '/bytes', topic, type: 'bytes' });
    a.streamerson.route({ method: 'GET', url: '/conflict', topic, type: 'conflict' });
    a.streamerson.route({ method: 'GET', url: '/slow', topic, type: 'slow', timeout: 150 });
    a.streamerson.route({ method: 'GET', url: '/plain', topic, type: 'plain' });
    a.streamerson.route({
      method: 'POST',
      url: '/validated',
      topic,
      type: 'echo',
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
    });
  });
  closers.push(() => app.close());
  const base = await listen(app);

  it('sends method, path, params, query, allowlisted headers, body and auth; answers the reply as JSON', async () => {
    const res = await fetch(`${base}/echo/42?x=1&y=two`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer good', 'x-request-id': 'r-1', 'x-secret': 'no' },
      body: JSON.stringify({ hello: 'world' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const req = (await res.json()) as HttpRequest;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/echo/42?x=1&y=two');
    assert.equal(req.path, '/echo/42');
    assert.equal(req.route, '/echo/:id');
    assert.deepEqual(req.params, { id: '42' });
    assert.deepEqual(req.query, { x: '1', y: 'two' });
    assert.deepEqual(req.body, { hello: 'world' });
    assert.deepEqual(req.auth, { user: 'ada', roles: ['admin'] });
    assert.equal(req.headers['x-request-id'], 'r-1');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-secret'], undefined, 'headers outside the allowlist stay in the gateway');
    assert.equal(req.headers['authorization'], undefined);
  });

  it("an auth that JSON cannot carry is answered as the gateway's own error, and the next request is served", async () => {
    const bad = await fetch(`${base}/echo/1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bigint' }, body: '{}' });
    assert.equal(bad.status, 500);
    assert.deepEqual(await bad.json(), { error: { code: 'ERR_STREAMERSON_INTERNAL', message: 'internal gateway error' } });
    const good = await fetch(`${base}/echo/2`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer good' }, body: '{}' });
    assert.equal(good.status, 200);
    assert.deepEqual(((await good.json()) as HttpRequest).auth, { user: 'ada', roles: ['admin'] });
  });

  it('auth is null when no hook set it', async () => {
    const res = await fetch(`${base}/echo/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(((await res.json()) as HttpRequest).auth, null);
  });

  it('httpReply sets status, headers and a text body; framing headers stay the gateway’s', async () => {
    const res = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"pen"}' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-item'), 'abc');
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.equal(await res.text(), 'created pen');
  });

  it('binary bodies travel as bytes both ways', async () => {
    const res = await fetch(`${base}/bytes`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([1, 2, 3, 255]) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/x-test');
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [255, 3, 2, 1]);
  });

  it('a string reply is sent as JSON', async () => {
    const res = await fetch(`${base}/plain`);
    assert.equal(await res.json(), 'just a string');
  });

  it('a worker ServiceError becomes its status and code with a safe body', async () => {
    const res = await fetch(`${base}/conflict`);
    assert.equal(res.status, 409);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { error: { code: 'ITEM_EXISTS', message: 'item exists', details: { id: 7 } } });
    assert.doesNotMatch(text, /at .*\.js|stack/);
  });

  it('honours the route timeout: 504 well before the worker finishes', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/slow?ms=1500`);
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), { error: { code: 'ERR_STREAMERSON_TIMEOUT', message: 'no reply before the deadline' } });
    assert.ok(elapsed >= 140 && elapsed < 1_000, `answered after ${elapsed} ms`);
    const fast = await fetch(`${base}/slow?ms=0`);
    assert.equal(fast.status, 200);
  });

  it('malformed JSON is 400 and nothing is sent', async () => {
    const before = app.streamerson.client.stats().requests;
    const res = await fetch(`${base}/echo/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_BAD_REQUEST');
    assert.equal(app.streamerson.client.stats().requests, before);
  });

  it('a body failing the route schema is 400', async () => {
    const res = await fetch(`${base}/validated`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":""}' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ERR_STREAMERSON_BAD_REQUEST');
    assert.match(body.error.message, /name/);
  });

  it('a body over the limit is 413', async () => {
    const res = await fetch(`${base}/echo/1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ s: 'x'.repeat(70_000) }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_TOO_LARGE');
  });

  it('an unknown route is 404', async () => {
    const res = await fetch(`${base}/nope?x=1`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { code: 'ERR_STREAMERSON_NOT_FOUND', message: 'no route GET /nope' } });
  });

  it('/metrics reports latency per route, errors by code and reply counters from its own registry', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /streamerson_gateway_request_duration_seconds_count\{route="POST \/echo\/:id"\} [1-9]/);
    assert.match(text, /streamerson_gateway_errors_total\{code="ERR_STREAMERSON_TIMEOUT"\} 1/);
    assert.match(text, /streamerson_gateway_errors_total\{code="ITEM_EXISTS"\} 1/);
    assert.match(text, /streamerson_gateway_in_flight 0/);
    assert.match(text, /streamerson_gateway_replies_unknown_total \d/);
    assert.doesNotMatch(text, /process_cpu/, 'default metrics of the global registry are not mixed in');
  });

  it('the late reply of a timed-out request is counted as unknown', async () => {
    const before = app.streamerson.client.stats().unknownReplies;
    assert.equal((await fetch(`${base}/slow?ms=300`)).status, 504);
    await waitFor(() => app.streamerson.client.stats().unknownReplies === before + 1, { what: 'the late reply of the timed-out request' });
  });

  it('OpenAPI lists the routes with their schemas', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/validated']?.['post']?.requestBody, 'schema body documented');
    assert.ok(doc.paths['/echo/{id}']?.['post']);
    assert.equal(doc.paths['/metrics'], undefined);
  });
});

describe('replies written by hand', () => {
  it('a JSON reply goes out as the text the worker wrote, a string to onSend hooks; bytes that are not JSON fail the request', async () => {
    const topic = topicName('raw-reply');
    const sent: string[] = [];
    const app = await gatewayApp({ engine, timeout: 2_000 }, (a) => {
      a.addHook('onSend', async (_request, _reply, payload) => {
        sent.push(typeof payload);
        return payload;
      });
      a.streamerson.route({ method: 'GET', url: '/raw', topic, type: 'raw' });
    });
    closers.push(() => app.close());
    const base = await listen(app);
    const reader = engine.openReader();
    closers.push(() => reader.close());
    let after = '0-0';
    /** Answers the next request on the topic with a reply whose payload field is `p`, written as is. */
    const answerNext = async (p: string): Promise<void> => {
      for (;;) {
        const [read] = await reader.read([{ stream: topic, after }], { count: 1, blockMs: 1_000 });
        const entry = read?.entries[0];
        if (entry === undefined) continue;
        after = entry.id;
        const msg = decodeEntry(topic, entry);
        assert.ok(!(msg instanceof ProtocolError));
        await engine.append(msg.replyTo, ['v', '1', 'i', msg.id, 'p', p]);
        return;
      }
    };
    const written = '{ "b" : [1, 2.50, "\\u00e9"],\n  "a": {} }';
    const [res] = await Promise.all([fetch(`${base}/raw`), answerNext(written)]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await res.text(), written);
    assert.deepEqual(sent, ['string']);

    const [bad] = await Promise.all([fetch(`${base}/raw`), answerNext('{"a":')]);
    assert.equal(bad.status, 502, 'a reply that is not JSON is not passed on: the worker, not the caller, is at fault');
    assert.deepEqual(await bad.json(), { error: { code: 'ERR_STREAMERSON_BAD_PAYLOAD', message: "the worker's reply cannot be decoded" } });
    assert.equal(app.streamerson.client.stats().badReplies, 1);
  });
});

describe('status paths with inject()', () => {
  it('over maxInFlight: 503 ERR_STREAMERSON_OVERLOAD with Retry-After', async () => {
    const topic = topicName('inflight');
    const svc = await worker(engine, topic, {
      slow: async () => {
        await sleep(300);
        return 1;
      },
    });
    const app = await gatewayApp({ engine, maxInFlight: 2, retryAfterSeconds: 3 }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/s', topic, type: 'slow' });
    });
    try {
      const answers = await Promise.all([0, 1, 2].map(() => app.inject({ method: 'GET', url: '/s' })));
      const statuses = answers.map((a) => a.statusCode).sort();
      assert.deepEqual(statuses, [200, 200, 503]);
      const refused = answers.find((a) => a.statusCode === 503)!;
      assert.equal(refused.headers['retry-after'], '3');
      assert.equal(refused.json().error.code, 'ERR_STREAMERSON_OVERLOAD');
    } finally {
      await app.close();
      await svc.close();
    }
  });

  it('topic over its length cap: 503 ERR_STREAMERSON_UNAVAILABLE with Retry-After, without a round trip per request', async () => {
    const topic = topicName('capped');
    const svc = await worker(engine, topic, { t: () => 'ok' });
    const app = await gatewayApp({ engine, maxTopicLength: 5, lengthCheckIntervalMs: 20 }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/c', topic, type: 't' });
    });
    try {
      assert.equal((await app.inject('/c')).statusCode, 200);
      await engine.appendBatch(Array.from({ length: 10 }, () => ({ stream: topic, fields: encodeMessage({ type: 'other', payload: null }) })));
      const res = await waitFor(
        async () => {
          const r = await app.inject('/c');
          return r.statusCode === 503 ? r : undefined;
        },
        { what: 'the next length check to see the topic over its cap' },
      );
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(res.json().error.code, 'ERR_STREAMERSON_UNAVAILABLE');
      await engine.trim(topic, { maxLen: 0, approximate: false });
      await waitFor(async () => (await app.inject('/c')).statusCode === 200, { what: 'the next length check to see the trimmed topic' });
    } finally {
      await app.close();
      await svc.close();
    }
  });

  it('engine down: 503 ERR_STREAMERSON_UNAVAILABLE', async () => {
    const down = new MemoryEngine();
    const app = await gatewayApp({ engine: down }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/x', topic: 'x', type: 'x' });
    });
    try {
      await down.close();
      const res = await app.inject('/x');
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(res.json().error.code, 'ERR_STREAMERSON_UNAVAILABLE');
    } finally {
      await app.close();
    }
  });

  it('fire-and-forget routes answer 202 with the message id and publish the request', async () => {
    const topic = topicName('oneway');
    const app = await gatewayApp({ engine }, (a) => {
      a.streamerson.route({ method: 'POST', url: '/events', topic, type: 'evt', oneWay: true });
    });
    try {
      const res = await app.inject({ method: 'POST', url: '/events', payload: { n: 1 } });
      assert.equal(res.statusCode, 202);
      const { id } = res.json() as { id: string };
      const [entry] = await engine.range(topic, id, id);
      assert.ok(entry, 'the entry exists under the returned id');
      assert.match(entry.fields.map(String).join('|'), /"n":1/);
    } finally {
      await app.close();
    }
  });

  it('several gateways on one engine each receive only their own replies', async () => {
    const topic = topicName('multi');
    const svc = await worker(engine, topic, { who: (req: HttpRequest) => ({ gw: req.headers['x-gw'] }) });
    const apps = await Promise.all(
      [1, 2, 3].map(() =>
        gatewayApp({ engine, forwardHeaders: ['x-gw'] }, (a) => {
          a.streamerson.route({ method: 'GET', url: '/who', topic, type: 'who' });
        }),
      ),
    );
    try {
      const results = await Promise.all(
        apps.flatMap((app, i) =>
          Array.from({ length: 20 }, () => app.inject({ url: '/who', headers: { 'x-gw': String(i) } }).then((r) => [i, r.json().gw] as const)),
        ),
      );
      for (const [i, gw] of results) assert.equal(gw, String(i));
      for (const app of apps) assert.equal(app.streamerson.client.stats().unknownReplies, 0);
      assert.equal(new Set(apps.map((a) => a.streamerson.client.replyStream)).size, 3);
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      await svc.close();
    }
  });
});

describe('plugin lifecycle', () => {
  it('rejects bad options naming the option', async () => {
    for (const [options, option] of [
      [{ engine, timeout: -1 }, 'timeout'],
      [{ engine, ws: { maxPayload: 'big' } }, 'ws.maxPayload'],
      [{ engine, sse: { path: 'events' } }, 'sse.path'],
      [{ engine, bogus: 1 }, 'bogus'],
      [{ engine, ws: { maxPayloads: 1 } }, 'ws.maxPayloads'],
      [{ engine, sse: { heartbeat: 1 } }, 'sse.heartbeat'],
      [{ engine, subscribe: { block: 1 } }, 'subscribe.block'],
      [{ engine, announce: { nam: 'x' } }, 'announce.nam'],
      [{ engine, openapi: { info: { title: 't', version: '1', summary: 's' } } }, 'openapi.info.summary'],
      [{ engine, maxJsonDepth: 0 }, 'maxJsonDepth'],
      [{ engine, errorHandler: 'yes' }, 'errorHandler'],
      [{ engine, ws: { origins: 'anyone' } }, 'ws.origins'],
      [{}, 'engine'],
    ] as const) {
      const app = Fastify();
      await assert.rejects(
        async () => {
          await app.register(streamersonGateway, options as never);
          await app.ready();
        },
        (err: unknown) => err instanceof InvalidOptionError && err.option === option,
      );
      await app.close().catch(() => undefined);
    }
    const app = await gatewayApp({ engine });
    assert.throws(
      () => app.streamerson.route({ method: 'GET', url: '/x', topic: 'bad topic!' }),
      (err: unknown) => err instanceof InvalidOptionError && err.option === 'route.topic',
    );
    assert.throws(
      () => app.streamerson.route({ method: 'GET', url: '/x', topic: 't', tmeout: 5 } as never),
      (err: unknown) => err instanceof InvalidOptionError && err.option === 'route.tmeout' && /did you mean "timeout"/.test(err.message),
    );
    assert.ok(Object.isFrozen(app.streamerson.config));
    await app.close();
  });

  it('releases its client and reply stream on close, and leaves a given engine open', async () => {
    const app = await gatewayApp({ engine });
    const replyStream = app.streamerson.client.replyStream;
    assert.notEqual(await engine.info(replyStream), null);
    await app.close();
    assert.equal(await engine.info(replyStream), null);
    await assert.rejects(app.streamerson.client.request('t', 'x', null), { code: 'ERR_STREAMERSON_CLOSED' });
    assert.equal(await engine.length('anything'), 0, 'the engine still answers');
  });

  it('announces itself and its routes in the registry while it runs', async () => {
    const own = new MemoryEngine(topicName('registry'));
    const app = await gatewayApp({ engine: own, announce: { name: 'edge', ttlMs: 3_000 } }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/orders/:id', topic: 'orders', type: 'get' });
      a.streamerson.route({ method: 'POST', url: '/orders', topic: 'orders', type: 'create' });
    });
    const [gw] = (await listInstances(own)).filter((i) => i.kind === 'gateway');
    assert.equal(gw?.name, 'edge');
    assert.deepEqual(gw?.produces, ['orders']);
    assert.deepEqual(gw?.routes, [
      { method: 'GET', url: '/orders/:id', topic: 'orders', type: 'get' },
      { method: 'POST', url: '/orders', topic: 'orders', type: 'create' },
    ]);
    assert.deepEqual(gw?.endpoints, [
      { protocol: 'ws', url: '/ws' },
      { protocol: 'sse', url: '/events' },
    ]);
    await app.close();
    assert.deepEqual(
      (await listInstances(own)).filter((i) => i.kind === 'gateway'),
      [],
    );
    const quiet = await gatewayApp({ engine: own, announce: false });
    assert.equal((await listInstances(own, { all: true })).filter((i) => i.kind === 'gateway').length, 1, 'only the first gateway ever announced');
    await quiet.close();
    await own.close();
  });
});
