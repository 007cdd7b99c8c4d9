import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamersonError } from '@streamerson/core';
import { parseRedisUrl } from '../src/url.js';

test('redis URLs: host, port, credentials, database, TLS', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380'), {
    scheme: 'redis',
    tls: false,
    host: '127.0.0.1',
    port: 6380,
    db: 0,
  });
  assert.deepEqual(parseRedisUrl('rediss://app:s%40cret@cache.example:6390/3'), {
    scheme: 'redis',
    tls: true,
    host: 'cache.example',
    port: 6390,
    db: 3,
    username: 'app',
    password: 's@cret',
  });
  assert.deepEqual(parseRedisUrl('redis://:pw@localhost'), {
    scheme: 'redis',
    tls: false,
    host: 'localhost',
    port: 6379,
    db: 0,
    password: 'pw',
  });
  assert.deepEqual(parseRedisUrl('redis://[::1]:7000'), { scheme: 'redis', tls: false, host: '::1', port: 7000, db: 0 });
});

test('cluster URLs list seed nodes', () => {
  assert.deepEqual(parseRedisUrl('redis+cluster://10.0.0.1:7000, 10.0.0.2:7001,10.0.0.3'), {
    scheme: 'redis+cluster',
    tls: false,
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '10.0.0.3', port: 6379 },
    ],
  });
  assert.equal((parseRedisUrl('rediss+cluster://u:p@h:1') as { tls: boolean }).tls, true);
});

test('sentinel URLs list Sentinels (port 26379 by default), the master name and a database', () => {
  assert.deepEqual(parseRedisUrl('redis+sentinel://app:s%40cret@10.0.0.1:26380,10.0.0.2/orders-master/2'), {
    scheme: 'redis+sentinel',
    tls: false,
    sentinels: [
      { host: '10.0.0.1', port: 26380 },
      { host: '10.0.0.2', port: 26379 },
    ],
    masterName: 'orders-master',
    db: 2,
    username: 'app',
    password: 's@cret',
  });
  assert.deepEqual(parseRedisUrl('rediss+sentinel://[::1]/my%20master'), {
    scheme: 'redis+sentinel',
    tls: true,
    sentinels: [{ host: '::1', port: 26379 }],
    masterName: 'my master',
    db: 0,
  });
});

test('bad Redis URLs are typed errors that name the problem', () => {
  const bad: [string, RegExp][] = [
    ['redis://', /missing host/],
    ['redis://h:0', /bad port/],
    ['redis://h:70000', /bad port/],
    ['redis://h:abc', /bad port/],
    ['redis://h:1/x', /bad database/],
    ['redis://a:1,b:2', /redis\+cluster/],
    ['redis+cluster://a:1/2', /no database/],
    ['redis://u:%zz@h', /percent-encoding/],
    ['redis://[::1:7000', /IPv6/],
    ['memory://x', /the Redis engine serves redis:\/\/, /],
    ['redis+sentinel://h:26379', /missing master name/],
    ['redis+sentinel://h:26379/', /missing master name/],
    ['redis+sentinel://h/m/1/x', /bad path/],
    ['redis+sentinel://h/m/x', /bad database/],
    ['redis+sentinel://h:0/m', /bad port/],
  ];
  for (const [url, message] of bad) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: unknown) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_INVALID_URL' && message.test(e.message),
      url,
    );
  }
});
