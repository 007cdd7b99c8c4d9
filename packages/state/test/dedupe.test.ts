/** The writer's window of applied command ids: bounded by count and by age, oldest dropped first. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AppliedCommands } from '../src/writer/dedupe.js';

describe('AppliedCommands', () => {
  it('answers an id with what it made while it is among the last max', () => {
    const applied = new AppliedCommands<{ n: number }>(3, 60_000);
    for (let i = 1; i <= 5; i++) applied.add(`c${i}`, `k${i}`, i, { n: i }, 1_000 + i);
    assert.equal(applied.size, 3);
    assert.equal(applied.get('c1', 2_000), undefined);
    assert.equal(applied.get('c2', 2_000), undefined);
    assert.deepEqual(applied.get('c3', 2_000), { key: 'k3', version: 3, state: { n: 3 }, at: 1_003 });
    assert.deepEqual(applied.get('c5', 2_000), { key: 'k5', version: 5, state: { n: 5 }, at: 1_005 });
  });

  it('drops ids older than the window, as it adds and as it answers', () => {
    const applied = new AppliedCommands<number>(100, 1_000);
    applied.add('old', 'k', 1, 1, 10_000);
    applied.add('mid', 'k', 2, 2, 10_500);
    assert.equal(applied.get('old', 11_001), undefined, 'past the window when asked');
    assert.equal(applied.get('mid', 11_001)?.version, 2);
    applied.add('new', 'k', 3, 3, 11_200);
    assert.equal(applied.size, 2, 'the oldest dropped when a newer one came');
    applied.add('last', 'k', 4, 4, 13_000);
    assert.equal(applied.size, 1);
    assert.equal(applied.get('last', 13_000)?.state, 4);
  });

  it('keeps the newest record of an id added twice, and forgets it only when that one is dropped', () => {
    const applied = new AppliedCommands<string>(3, 60_000);
    applied.add('a', 'k', 1, 'first', 1);
    applied.add('b', 'k', 2, 'b', 2);
    applied.add('a', 'k', 3, 'again', 3);
    assert.equal(applied.size, 2);
    applied.add('c', 'k', 4, 'c', 4);
    assert.equal(applied.get('a', 4)?.state, 'again', 'dropping the first slot of "a" keeps its newer one');
    applied.add('d', 'k', 5, 'd', 5);
    applied.add('e', 'k', 6, 'e', 6);
    assert.equal(applied.get('a', 6), undefined);
    assert.deepEqual(
      ['b', 'c', 'd', 'e'].map((id) => applied.get(id, 6)?.state),
      [undefined, 'c', 'd', 'e'],
    );
  });

  it('wraps around its slots many times and stays at max', () => {
    const applied = new AppliedCommands<number>(7, 60_000);
    for (let i = 0; i < 1_000; i++) applied.add(`c${i}`, 'k', i + 1, i, i);
    assert.equal(applied.size, 7);
    for (let i = 993; i < 1_000; i++) assert.equal(applied.get(`c${i}`, 1_000)?.state, i);
    assert.equal(applied.get('c992', 1_000), undefined);
  });
});
