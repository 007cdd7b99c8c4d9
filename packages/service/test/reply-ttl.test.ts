/**
 * A client that dies without close() leaves its reply stream behind for at
 * most its TTL; a live client keeps it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { Client, Service } from '../src/index.js';
import { useRedisEngine } from './redis-engine.js';

const redis = useRedisEngine();

test('a live client keeps its reply stream past the TTL; a killed one loses it after the TTL', async () => {
  const topic = uniqueName('ttl');
  const svc = new Service(redis.engine, { name: 'ttl', topic, consumer: 'm1', blockMs: 50, announce: false }).handle('ping', () => 'pong');
  await svc.start();
  // A TTL the client's refresh (every third of it) keeps through the event-loop stalls of a busy machine.
  const ttlMs = 1_000;
  const live = new Client(redis.engine, { replyTtlMs: ttlMs, blockMs: 50 });
  assert.equal(await live.request(topic, 'ping', null), 'pong');
  // Past twice the TTL the stream made for the first request had: it is there only because the client refreshed it.
  const pastTwoTtls = Date.now() + 2 * ttlMs;
  await waitFor(() => Date.now() > pastTwoTtls, { what: 'twice the TTL passed', timeoutMs: 3 * ttlMs });
  assert.notEqual(await redis.engine.info(live.replyStream), null, 'refreshed while alive');
  assert.equal(await live.request(topic, 'ping', null), 'pong');

  const id = uniqueName('doomed');
  const script = `
    import { connect } from '@streamerson/core';
    import { Client } from '@streamerson/service';
    const engine = await connect(${JSON.stringify(redis.server.url)});
    const c = new Client(engine, { id: ${JSON.stringify(id)}, replyTtlMs: 400, blockMs: 50 });
    await c.request(${JSON.stringify(topic)}, 'ping', null);
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../../../../', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    assert.notEqual(await redis.engine.info(`_reply:${id}`), null, 'the child made its reply stream');
    child.kill('SIGKILL');
    await waitFor(async () => (await redis.engine.info(`_reply:${id}`)) === null, { what: "the dead client's reply stream expired", timeoutMs: 3_000 });
  } finally {
    child.kill('SIGKILL');
  }
  await live.close();
  await svc.close();
});
