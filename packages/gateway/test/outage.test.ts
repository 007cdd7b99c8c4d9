/**
 * The gateway during an engine outage, on a real redis-server that is killed
 * and started again on the same port: new work is refused at once with 503
 * and Retry-After, requests in flight keep their deadline, and the gateway
 * serves again once Redis is back, without a restart.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { connect } from '@streamerson/core';
import { startRedis, waitFor } from '@streamerson/testkit';
import { gatewayApp, listen, topicName, worker } from './helpers.js';
import { TestSocket } from './ws-client.js';

describe('engine outage', () => {
  it('503 at once while Redis is down, in-flight requests keep their deadline, served again when it is back', async () => {
    let redis = await startRedis();
    const { port } = redis;
    const engine = await connect(redis.url);
    const workerEngine = await connect(redis.url);
    const topic = topicName('outage');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const svc = await worker(workerEngine, topic, {
      ping: () => 'pong',
      hold: async () => {
        await held;
        return 'late';
      },
    });
    const app = await gatewayApp({ engine, timeout: 2_000, engineDownAfterMs: 300, authorize: () => true }, (a) => {
      a.streamerson.route({ method: 'GET', url: '/ping', topic, type: 'ping' });
      a.streamerson.route({ method: 'GET', url: '/hold', topic, type: 'hold' });
    });
    const base = await listen(app);
    try {
      assert.equal((await fetch(`${base}/ping`)).status, 200);
      const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`);
      const inFlightStarted = performance.now();
      const inFlight = fetch(`${base}/hold`);
      await waitFor(() => app.streamerson.stats().client.inFlight === 1);

      redis.kill('SIGKILL');
      // Known down: seen down for engineDownAfterMs.
      await waitFor(() => !app.streamerson.stats().accepting);
      const started = performance.now();
      const refused = await fetch(`${base}/ping`);
      assert.ok(performance.now() - started < 500, `answered after ${performance.now() - started} ms`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ERR_STREAMERSON_UNAVAILABLE');
      const frame = await socket.call({ op: 'request', id: 1, topic, type: 'ping' });
      assert.deepEqual([frame['op'], frame['error'].code, frame['error'].status], ['error', 'ERR_STREAMERSON_UNAVAILABLE', 503]);

      // The request in flight when Redis went away is answered at its deadline, not refused early.
      const late = await inFlight;
      assert.equal(late.status, 504);
      assert.ok(performance.now() - inFlightStarted >= 1_900, `answered after ${performance.now() - inFlightStarted} ms`);

      redis = await startRedis({ port });
      await waitFor(async () => (await fetch(`${base}/ping`)).status === 200, { timeoutMs: 30_000, intervalMs: 100 });
      assert.equal((await socket.call({ op: 'request', id: 2, topic, type: 'ping' }))['payload'], 'pong');
      socket.close();
    } finally {
      release();
      await app.close();
      await svc.close();
      engine.destroy();
      workerEngine.destroy();
      await redis.stop();
    }
  });
});
