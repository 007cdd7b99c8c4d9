/**
 * A client whose engine asks for a replica's confirmation (`replicas: 1`) on
 * a Redis without replicas: every append it makes reaches the primary and is
 * then refused with `ERR_STREAMERSON_NOT_REPLICATED`.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { connect } from '@streamerson/core';
import { Client, Service, type ClientErrorContext } from '@streamerson/service';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { useRedisEngine } from './redis-engine.js';

const redis = useRedisEngine();

test('a request the replicas did not confirm is on the primary: the client reports it and resolves with the reply', async () => {
  const topic = uniqueName('unconfirmed');
  const svc = new Service(redis.engine, { name: 'unconfirmed', topic, blockMs: 50, announce: false }).handle('ping', (n: number) => n + 1);
  await svc.start();
  const engine = await connect(redis.server.url, { redis: { replicas: 1, replicaTimeoutMs: 20 } });
  const client = new Client(engine, { blockMs: 50 });
  const errors: [unknown, ClientErrorContext][] = [];
  client.on('error', (error, context) => errors.push([error, context]));
  try {
    assert.equal(await client.request(topic, 'ping', 41), 42);
    // The reply may come before the replicas' wait gives up.
    const request = await waitFor(() => errors.find(([, c]) => c.op === 'request'), { what: "a 'request' error" });
    assert.equal((request[0] as { code?: string }).code, 'ERR_STREAMERSON_NOT_REPLICATED');
    assert.equal(request[1].stream, `${topic}`);
    assert.ok(client.stats().engineErrors >= 1);

    await assert.rejects(client.publish(topic, 'ping', 1), { code: 'ERR_STREAMERSON_NOT_REPLICATED' });
  } finally {
    await client.close();
    await engine.close();
    await svc.close();
  }
});
