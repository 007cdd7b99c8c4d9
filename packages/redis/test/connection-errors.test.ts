/**
 * A connection that cannot be made fails with a ConnectionError naming the
 * address and the cause in one line (refused, unknown host, authentication),
 * not with ioredis' "Reached the max retries per request limit".
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Engine } from '@streamerson/core';
import { freePort, startRedis, uniqueName, type RedisServer } from '@streamerson/testkit';

/** Give up after one reconnect: these tests are about the message, not about waiting. */
const QUICK = { maxRetriesPerRequest: 1, maxReconnectAttempts: 1 } as const;

async function failure(url: string, op: (engine: Engine) => Promise<unknown>): Promise<Error & { code?: string; reason?: string; address?: string }> {
  const engine = await connect(url, { redis: QUICK });
  try {
    await op(engine);
  } catch (error) {
    return error as Error;
  } finally {
    await engine.close();
  }
  throw new Error(`${url}: the operation succeeded`);
}

let secured: RedisServer;
before(async () => {
  secured = await startRedis({ password: 'sekret' });
});
after(async () => {
  await secured?.stop();
});

test('a port nobody listens on: connection refused', async () => {
  const port = await freePort();
  const error = await failure(`redis://127.0.0.1:${port}`, (e) => e.length(uniqueName('x')));
  assert.equal(error.name, 'ConnectionError');
  assert.equal(error.code, 'ERR_STREAMERSON_CONNECTION');
  assert.equal(error.reason, 'refused');
  assert.equal(error.address, `redis://127.0.0.1:${port}`);
  assert.equal(error.message, `cannot reach redis://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
});

test('a host name that does not resolve: unknown host', async () => {
  const error = await failure('redis://streamerson-no-such-host.invalid:6379', (e) => e.append(uniqueName('x'), ['v', '1', 'p', '1']));
  assert.equal(error.reason, 'unknown-host');
  assert.match(
    error.message,
    /^cannot reach redis:\/\/streamerson-no-such-host\.invalid:6379: unknown host "streamerson-no-such-host\.invalid" \(ENOTFOUND|EAI_AGAIN\)$/,
  );
});

test('a wrong password and a missing one: authentication failed, the password never shown', async () => {
  const wrong = await failure(`redis://:nope@127.0.0.1:${secured.port}`, (e) => e.length(uniqueName('x')));
  assert.equal(wrong.reason, 'auth');
  assert.equal(
    wrong.message,
    `cannot reach redis://:***@127.0.0.1:${secured.port}: authentication failed: WRONGPASS invalid username-password pair or user is disabled`,
  );
  const none = await failure(`redis://127.0.0.1:${secured.port}`, (e) => e.listStreams(''));
  assert.equal(none.reason, 'auth');
  assert.equal(none.message, `cannot reach redis://127.0.0.1:${secured.port}: authentication failed: NOAUTH Authentication required`);
});

test('a Redis Cluster whose nodes refuse: the cluster address and the cause', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const url = `redis+cluster://127.0.0.1:${a},127.0.0.1:${b}`;
  const error = await failure(url, (e) => e.listStreams(''));
  assert.equal(error.code, 'ERR_STREAMERSON_CONNECTION');
  assert.ok(error.message.startsWith(`cannot reach ${url}: `), error.message);
  assert.doesNotMatch(error.message, /\n/);
});
