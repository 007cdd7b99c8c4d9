import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTopic, streamKey, topicStreams, hashTagOf, auxKey } from '../src/index.js';

test('topics: accepted names and typed errors for the rest', () => {
  for (const ok of ['orders', 'a', 'svc.users/v1:events_2-x', 'x'.repeat(200)]) assert.equal(validateTopic(ok), ok);
  for (const bad of ['', 'has space', 'br{ace}', 'x'.repeat(201), 42, undefined, 'émoji']) {
    assert.throws(() => validateTopic(bad, 'topic'), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'topic' });
  }
});

test('stream keys: one shard is the topic itself, more shards get #i', () => {
  assert.equal(streamKey('orders'), 'orders');
  assert.equal(streamKey('orders', 0, 1), 'orders');
  assert.equal(streamKey('orders', 2, 4), 'orders#2');
  assert.deepEqual(topicStreams('orders', 3), ['orders#0', 'orders#1', 'orders#2']);
  assert.deepEqual(topicStreams('orders'), ['orders']);
});

test('aux keys hash to the slot of their stream', () => {
  assert.equal(hashTagOf('orders'), 'orders');
  assert.equal(hashTagOf('a{b}c'), 'b');
  assert.equal(hashTagOf('a{}c'), 'a{}c');
  assert.equal(hashTagOf('a{b'), 'a{b');
  assert.equal(auxKey('orders#1', 'dedupe:42'), '{orders#1}:dedupe:42');
  assert.equal(auxKey('x{tag}y', 'offset:c'), '{tag}:offset:c');
  assert.equal(hashTagOf(auxKey('orders#1', 'z')), hashTagOf('orders#1'));
});
