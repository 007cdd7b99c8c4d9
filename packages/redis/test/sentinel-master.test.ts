/** A Sentinel URL naming a master that no Sentinel knows fails `connect()` at once, naming it; unreachable Sentinels are an outage. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@streamerson/core';
import { freePort, startRedisSentinel, type RedisSentinelHandle } from '@streamerson/testkit';
import { ConnectionError } from '../src/index.js';

let sentinel: RedisSentinelHandle;
before(async () => {
  sentinel = await startRedisSentinel({ replicas: 0 });
});
after(() => sentinel.stop());

test('a master name no Sentinel knows: ConnectionError unknown-master, one line, naming the master and the Sentinels', async () => {
  const url = sentinel.url.replace(/\/streamerson$/, '/nosuch');
  const error = await connect(url).then(
    () => assert.fail('connect() resolved'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(error.code, 'ERR_STREAMERSON_CONNECTION');
  assert.equal(error.reason, 'unknown-master');
  const asked = sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(', ');
  assert.equal(error.message, `cannot reach ${url}: no Sentinel knows a master named "nosuch" (asked ${asked})`);
});

test('the master the Sentinels watch: connect() resolves and the engine writes', async () => {
  const engine = await connect(sentinel.url);
  try {
    assert.match(String(await engine.append('known-master', ['k', 'v'])), /^\d+-\d+$/);
  } finally {
    await engine.close();
  }
});

test('Sentinels that do not answer are an outage: connect() resolves, the engine keeps trying', async () => {
  const port = await freePort();
  const engine = await connect(`redis+sentinel://127.0.0.1:${port}/streamerson`, { redis: { maxRetriesPerRequest: 0 } });
  engine.destroy();
  assert.equal(await engine.closed, undefined);
});
