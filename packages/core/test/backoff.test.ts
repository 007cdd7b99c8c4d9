import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backoff, backoff, DEFAULT_BACKOFF_JITTER, DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MIN_MS } from '../src/backoff.js';

describe('Backoff', () => {
  it('without jitter: doubles from minMs and stops at maxMs', () => {
    const b = backoff({ minMs: 100, maxMs: 1_000, jitter: 0 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => b.delay(n)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
    assert.equal(b.delay(10_000), 1_000, 'a huge attempt stays at the cap');
    assert.equal(b.delay(0), 100, 'attempts below 1 count as the first');
  });

  it('a factor of 1 is a constant delay; other factors grow by it', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => backoff({ minMs: 50, maxMs: 500, factor: 1, jitter: 0 }).delay(n)),
      [50, 50, 50],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoff({ minMs: 10, maxMs: 500, factor: 3, jitter: 0 }).delay(n)),
      [10, 30, 90],
    );
  });

  it('jitter shortens each delay by up to its fraction, never past the cap', () => {
    const low = backoff({ minMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 0.999_999 });
    const high = backoff({ minMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 0 });
    assert.deepEqual(
      [1, 2, 5].map((n) => high.delay(n)),
      [100, 200, 1_000],
    );
    assert.deepEqual(
      [1, 2, 5].map((n) => low.delay(n)),
      [50, 100, 500],
    );
  });

  it('every delay lies within [(1 - jitter) × base, base] for any options (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (minMs, extra, factor, jitter, attempt, r) => {
          const maxMs = minMs + extra;
          const base = Math.min(maxMs, minMs * factor ** (attempt - 1));
          const d = backoff({ minMs, maxMs, factor, jitter, random: () => r }).delay(attempt);
          assert.ok(Number.isInteger(d));
          assert.ok(d <= maxMs, `${d} above the cap ${maxMs}`);
          assert.ok(d >= Math.floor(base * (1 - jitter)), `${d} below ${base * (1 - jitter)}`);
        },
      ),
    );
  });

  it('with the default jitter, delays of one attempt spread out', () => {
    const b = backoff({ minMs: 1_000, maxMs: 1_000 });
    const delays = new Set(Array.from({ length: 50 }, () => b.delay(1)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
    for (const d of delays) assert.ok(d >= 1_000 * (1 - DEFAULT_BACKOFF_JITTER) && d <= 1_000);
  });

  it('next() counts attempts, reset() starts again', () => {
    const b = new Backoff({ minMs: 10, maxMs: 100, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next()], [10, 20, 40]);
    assert.equal(b.attempt, 3);
    b.reset();
    assert.equal(b.attempt, 0);
    assert.equal(b.next(), 10);
  });

  it('has documented defaults and a frozen config', () => {
    const b = backoff();
    assert.deepEqual({ ...b.config }, { minMs: DEFAULT_BACKOFF_MIN_MS, maxMs: DEFAULT_BACKOFF_MAX_MS, factor: 2, jitter: DEFAULT_BACKOFF_JITTER });
    assert.ok(Object.isFrozen(b.config));
    assert.equal(backoff({ minMs: 9_000 }).config.maxMs, 9_000, 'the default cap is raised to minMs');
  });

  it('rejects bad options, naming them', () => {
    assert.throws(() => backoff({ minMs: -1 }), { code: 'ERR_STREAMERSON_INVALID_OPTION', option: 'minMs' });
    assert.throws(() => backoff({ minMs: 100, maxMs: 50 }), { option: 'maxMs' });
    assert.throws(() => backoff({ factor: 0.5 }), { option: 'factor' });
    assert.throws(() => backoff({ jitter: 2 }), { option: 'jitter' });
    assert.throws(() => backoff({ random: 4 as unknown as () => number }), { option: 'random' });
    assert.throws(() => backoff({ maxMS: 5 } as never), { option: 'maxMS', message: /did you mean "maxMs"/ });
  });
});
