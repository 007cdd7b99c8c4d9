import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SEEN_CONSUMERS, SEEN_TIME_RESOLUTION_MS, SeenTimes } from '../src/engine/seen-times.js';

describe('file:// consumer seen times', () => {
  it('a consumer is written on its first read, then at most once per resolution, an active read by its own active time', () => {
    const times = new SeenTimes();
    assert.equal(times.due('s', 'g', 'c', 1_000, false), true);
    times.wrote('s', 'g', 'c', 1_000, false);
    assert.equal(times.due('s', 'g', 'c', 1_000 + SEEN_TIME_RESOLUTION_MS - 1, false), false);
    assert.equal(times.due('s', 'g', 'c', 1_000 + SEEN_TIME_RESOLUTION_MS, false), true);
    // Never active yet: a read that delivers writes at once.
    assert.equal(times.due('s', 'g', 'c', 1_001, true), true);
    times.wrote('s', 'g', 'c', 1_001, true);
    assert.equal(times.due('s', 'g', 'c', 1_050, true), false);
    assert.equal(times.due('s', 'g', 'c', 1_050, false), false);
  });

  it('keeps consumers apart whatever their names hold, forgets all on clear and the oldest beyond its bound', () => {
    const times = new SeenTimes();
    times.wrote('a:b', 'g', 'c', 0, true);
    assert.equal(times.due('a', 'b:g', 'c', 0, true), true);
    assert.equal(times.due('a:b', 'g', 'c', 0, true), false);
    times.clear();
    assert.equal(times.due('a:b', 'g', 'c', 0, true), true);
    for (let i = 0; i <= MAX_SEEN_CONSUMERS; i++) times.wrote('s', 'g', `c${i}`, 0, true);
    assert.equal(times.due('s', 'g', 'c0', 0, true), true, 'the oldest is forgotten');
    assert.equal(times.due('s', 'g', 'c1', 0, true), false);
    assert.equal(times.due('s', 'g', `c${MAX_SEEN_CONSUMERS}`, 0, true), false);
  });
});
