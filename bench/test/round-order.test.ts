import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundOrder } from '../src/measure.js';

test('sides run as given in even rounds and reversed in odd ones, so that no side always follows the same one', () => {
  const order = ['ours', 'raw', 'other'];
  assert.deepEqual(
    [0, 1, 2, 3].map((round) => roundOrder(order, round).join(' ')),
    ['ours raw other', 'other raw ours', 'ours raw other', 'other raw ours'],
  );
  assert.deepEqual(order, ['ours', 'raw', 'other'], 'the given order is left as it is');
});
