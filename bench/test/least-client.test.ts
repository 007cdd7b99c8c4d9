import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import { Redis } from 'ioredis';
import { LeastRequestClient } from '../src/rr-least-client.js';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

/** Answers the first request on `topic` as the raw worker would: `i` and `p`, to the stream named by `r`. */
async function answerOne(admin: Redis, topic: string, payload: string): Promise<string> {
  const read = (await admin.xread('BLOCK', 5_000, 'STREAMS', topic, '0-0')) as [string, [string, string[]][]][];
  const fields = read[0]![1][0]![1];
  await admin.xadd(fields[3]!, '*', 'i', fields[1]!, 'p', payload);
  return fields[5]!;
}

test('least client: a request goes out as the raw entries and resolves with the reply payload as the JSON text it came as', async () => {
  const admin = new Redis(server.url);
  const client = await LeastRequestClient.open(server.url, 'least-topic');
  try {
    const reply = client.request('{"a":1}');
    assert.equal(await answerOne(admin, 'least-topic', '{"b": 2}'), '{"a":1}');
    assert.equal(await reply, '{"b": 2}');
  } finally {
    await client.close();
  }
  assert.equal(await admin.exists(client.replyStream), 0, 'close deletes the reply stream');
  await assert.rejects(client.request('{}'), { code: 'ERR_STREAMERSON_CLOSED' });
  await admin.quit();
});

test('least client: an append Redis refuses rejects its request with Redis’ error', async () => {
  const admin = new Redis(server.url);
  await admin.set('least-not-a-stream', 'x');
  const client = await LeastRequestClient.open(server.url, 'least-not-a-stream');
  try {
    await assert.rejects(client.request('{}'), /WRONGTYPE/);
  } finally {
    await client.close();
    await admin.quit();
  }
});

test('least client: only redis://host:port without TLS, credentials or a database', async () => {
  for (const url of [
    'rediss://127.0.0.1:6390',
    'redis://user:secret@127.0.0.1:6390',
    'redis://127.0.0.1:6390/2',
    'redis+cluster://127.0.0.1:6390',
    'http://127.0.0.1:6390',
  ]) {
    await assert.rejects(LeastRequestClient.open(url, 't'), { code: 'ERR_STREAMERSON_INVALID_URL' }, url);
  }
});

test('least client: a lost connection rejects what is in flight and what comes after, and close says so instead of waiting', async () => {
  const admin = new Redis(server.url);
  const client = await LeastRequestClient.open(server.url, 'least-lost');
  // The rejection's handler is attached before the kill: the client may see its sockets close before admin sees KILL's answer.
  const inFlight = assert.rejects(client.request('{}'), { code: 'ERR_STREAMERSON_CLOSED' });
  await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  await inFlight;
  await assert.rejects(client.request('{}'), { code: 'ERR_STREAMERSON_CLOSED' });
  await assert.rejects(client.close(), { code: 'ERR_STREAMERSON_CLOSED' });
  await client.close();
  await admin.quit();
});
