import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEngineUrl, connect, StreamersonError } from '../src/index.js';

test('memory URLs name a shared in-process store', () => {
  assert.deepEqual(parseEngineUrl('memory://'), { scheme: 'memory', name: 'default' });
  assert.deepEqual(parseEngineUrl('memory://orders-dev'), { scheme: 'memory', name: 'orders-dev' });
  assert.deepEqual(parseEngineUrl('MEMORY://x/'), { scheme: 'memory', name: 'x' });
});

test('redis URLs: host, port, credentials, database, TLS', () => {
  assert.deepEqual(parseEngineUrl('redis://127.0.0.1:6380'), {
    scheme: 'redis',
    tls: false,
    host: '127.0.0.1',
    port: 6380,
    db: 0,
  });
  assert.deepEqual(parseEngineUrl('rediss://app:s%40cret@cache.example:6390/3'), {
    scheme: 'redis',
    tls: true,
    host: 'cache.example',
    port: 6390,
    db: 3,
    username: 'app',
    password: 's@cret',
  });
  assert.deepEqual(parseEngineUrl('redis://:pw@localhost'), {
    scheme: 'redis',
    tls: false,
    host: 'localhost',
    port: 6379,
    db: 0,
    password: 'pw',
  });
  assert.deepEqual(parseEngineUrl('redis://[::1]:7000'), { scheme: 'redis', tls: false, host: '::1', port: 7000, db: 0 });
});

test('cluster URLs list seed nodes', () => {
  assert.deepEqual(parseEngineUrl('redis+cluster://10.0.0.1:7000, 10.0.0.2:7001,10.0.0.3'), {
    scheme: 'redis+cluster',
    tls: false,
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '10.0.0.3', port: 6379 },
    ],
  });
  assert.equal((parseEngineUrl('rediss+cluster://u:p@h:1') as { tls: boolean }).tls, true);
});

test('bad URLs are typed errors that name the problem', () => {
  const bad: [string, RegExp][] = [
    ['', /non-empty/],
    ['localhost:6379', /missing scheme/],
    ['http://x', /unknown scheme "http"/],
    ['redis://', /missing host/],
    ['redis://h:0', /bad port/],
    ['redis://h:70000', /bad port/],
    ['redis://h:abc', /bad port/],
    ['redis://h:1/x', /bad database/],
    ['redis://a:1,b:2', /redis\+cluster/],
    ['redis+cluster://a:1/2', /no database/],
    ['memory://bad name', /memory engine name/],
    ['redis://u:%zz@h', /percent-encoding/],
    ['redis://[::1:7000', /IPv6/],
  ];
  for (const [url, message] of bad) {
    assert.throws(
      () => parseEngineUrl(url),
      (e: unknown) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_INVALID_URL' && message.test(e.message),
      url,
    );
  }
});

test('connect rejects a bad URL before doing anything', async () => {
  await assert.rejects(connect('ftp://x'), { code: 'ERR_STREAMERSON_INVALID_URL' });
});

test('connect rejects an unknown option, naming it', async () => {
  await assert.rejects(connect('memory://', { reddis: {} } as never), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'reddis', message: /did you mean "redis"/ });
});
