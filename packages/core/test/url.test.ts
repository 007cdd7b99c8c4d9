import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, engineScheme, ENGINE_PACKAGES, ENGINE_SCHEMES, parseMemoryUrl, splitEngineUrl, StreamersonError } from '../src/index.js';

test('memory URLs name a shared in-process store', () => {
  assert.deepEqual(parseMemoryUrl('memory://'), { scheme: 'memory', name: 'default' });
  assert.deepEqual(parseMemoryUrl('memory://orders-dev'), { scheme: 'memory', name: 'orders-dev' });
  assert.deepEqual(parseMemoryUrl('MEMORY://x/'), { scheme: 'memory', name: 'x' });
});

test('an engine URL splits into its lower-cased scheme and the rest', () => {
  assert.deepEqual(splitEngineUrl('Redis+Cluster://a:1,b:2'), { scheme: 'redis+cluster', rest: 'a:1,b:2' });
  assert.equal(engineScheme('REDISS://h'), 'rediss');
  assert.equal(engineScheme('memory://'), 'memory');
});

test('every scheme connect() opens is memory or a listed engine package', () => {
  assert.deepEqual(ENGINE_SCHEMES, ['memory', ...Object.keys(ENGINE_PACKAGES)]);
  for (const scheme of ['redis', 'rediss', 'redis+cluster', 'rediss+cluster']) {
    assert.deepEqual(ENGINE_PACKAGES[scheme], { package: '@streamerson/redis', optionsKey: 'redis' });
  }
  assert.ok(Object.isFrozen(ENGINE_PACKAGES));
});

test('bad URLs are typed errors that name the problem', () => {
  const bad: [() => unknown, string, RegExp][] = [
    [() => engineScheme(''), '', /non-empty/],
    [() => engineScheme('localhost:6379'), 'localhost:6379', /missing scheme/],
    [() => engineScheme('http://x'), 'http://x', /unknown scheme "http" \(expected memory, redis, /],
    [() => engineScheme('toString://x'), 'toString://x', /unknown scheme "tostring"/],
    [() => parseMemoryUrl('memory://bad name'), 'memory://bad name', /memory engine name/],
    [() => parseMemoryUrl('redis://h'), 'redis://h', /expected memory:\/\//],
  ];
  for (const [parse, url, message] of bad) {
    assert.throws(parse, (e: unknown) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_INVALID_URL' && message.test(e.message), url);
  }
});

test('connect rejects a bad URL before doing anything', async () => {
  await assert.rejects(connect('ftp://x'), { code: 'ERR_STREAMERSON_INVALID_URL' });
});

test('connect rejects an unknown option, naming it, and accepts options of other engines', async () => {
  await assert.rejects(connect('memory://', { reddis: {} } as never), {
    code: 'ERR_STREAMERSON_INVALID_OPTION',
    option: 'reddis',
    message: /did you mean "redis"/,
  });
  const engine = await connect('memory://', { redis: {} } as never);
  assert.equal(engine.kind, 'memory');
  await engine.close();
});
