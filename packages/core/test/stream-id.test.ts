import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  InvalidOptionError,
  MAX_STREAM_ID,
  MAX_STREAM_ID_PART,
  MIN_STREAM_ID,
  StreamersonError,
  compareStreamIds,
  formatStreamId,
  isStreamId,
  nextStreamId,
  parseStreamId,
  previousStreamId,
  streamIdFromTime,
  streamIdTime,
} from '../src/index.js';

/** 64-bit parts, biased towards the edges where string tricks go wrong. */
const part = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_STREAM_ID_PART }),
  fc.bigInt({ min: 0n, max: 20n }),
  fc.bigInt({ min: MAX_STREAM_ID_PART - 20n, max: MAX_STREAM_ID_PART }),
  fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 10n ** 19n - 1n, 10n ** 19n, 9n, 10n, 99n, 100n),
);
const parts = fc.record({ ms: part, seq: part });
const id = parts.map((p) => `${p.ms}-${p.seq}`);

function cmpBig(a: { ms: bigint; seq: bigint }, b: { ms: bigint; seq: bigint }): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

function invalidId(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof StreamersonError && e.code === 'ERR_STREAMERSON_INVALID_ID');
}

const INVALID = [
  '',
  '1',
  '01-0',
  '1-01',
  '00-0',
  '-1-0',
  '1--1',
  '1-0-0',
  ' 1-0',
  '1-0 ',
  '+1-0',
  '1.5-0',
  '1e3-0',
  '0x1-0',
  '18446744073709551616-0',
  '1-18446744073709551616',
  '99999999999999999999-0',
  '100000000000000000000-0',
  '$',
  '>',
  '*',
  '+',
  '-',
  '0',
  '1-*',
  '(1-0',
  '١-٠',
];

test('isStreamId accepts canonical ids within 64 bits only', () => {
  for (const good of ['0-0', '1-0', '0-1', '1700000000000-12', MAX_STREAM_ID, '18446744073709551615-0']) {
    assert.equal(isStreamId(good), true, good);
  }
  for (const bad of INVALID) assert.equal(isStreamId(bad), false, JSON.stringify(bad));
  for (const notString of [undefined, null, 1, 1n, {}, ['1-0']]) assert.equal(isStreamId(notString), false);
  assert.equal(MIN_STREAM_ID, '0-0');
});

test('invalid ids throw ERR_STREAMERSON_INVALID_ID everywhere', () => {
  for (const bad of INVALID) {
    invalidId(() => parseStreamId(bad));
    invalidId(() => compareStreamIds(bad, '1-0'));
    invalidId(() => compareStreamIds('1-0', bad));
    invalidId(() => nextStreamId(bad));
    invalidId(() => previousStreamId(bad));
    invalidId(() => streamIdTime(bad));
  }
  invalidId(() => formatStreamId({ ms: -1n, seq: 0n }));
  invalidId(() => formatStreamId({ ms: 0n, seq: MAX_STREAM_ID_PART + 1n }));
  invalidId(() => formatStreamId({ ms: 1.5, seq: 0 }));
  invalidId(() => nextStreamId(MAX_STREAM_ID));
  invalidId(() => previousStreamId(MIN_STREAM_ID));
});

test('parse and format are inverse, exactly over 64 bits', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const s = formatStreamId(p);
      assert.equal(isStreamId(s), true);
      assert.deepEqual(parseStreamId(s), { ms: p.ms, seq: p.seq });
      assert.equal(formatStreamId(parseStreamId(s)), s);
    }),
  );
  assert.equal(formatStreamId({ ms: 1700000000000, seq: 3 }), '1700000000000-3');
});

test('compareStreamIds agrees with numeric comparison of (ms, seq)', () => {
  fc.assert(
    fc.property(parts, parts, (a, b) => {
      const expected = cmpBig(a, b);
      assert.equal(Math.sign(compareStreamIds(formatStreamId(a), formatStreamId(b))), expected);
      assert.equal(Math.sign(compareStreamIds(formatStreamId(b), formatStreamId(a))), 0 - expected);
    }),
    { numRuns: 2000 },
  );
  assert.ok(compareStreamIds('9-0', '10-0') < 0, 'numeric, not lexicographic');
  assert.ok(compareStreamIds('1-9', '1-10') < 0);
  assert.equal(compareStreamIds('5-5', '5-5'), 0);
});

test('sorting with compareStreamIds orders like bigint comparison', () => {
  fc.assert(
    fc.property(fc.array(parts, { maxLength: 30 }), (list) => {
      const byString = list.map(formatStreamId).sort(compareStreamIds);
      const byBigint = [...list].sort(cmpBig).map(formatStreamId);
      assert.deepEqual(byString, byBigint);
    }),
  );
});

test('nextStreamId is the smallest greater id; previousStreamId inverts it', () => {
  fc.assert(
    fc.property(id, id, (a, b) => {
      fc.pre(a !== MAX_STREAM_ID);
      const next = nextStreamId(a);
      assert.ok(compareStreamIds(next, a) > 0);
      assert.equal(previousStreamId(next), a);
      // Nothing lies strictly between a and next(a).
      if (compareStreamIds(b, a) > 0) assert.ok(compareStreamIds(b, next) >= 0);
    }),
    { numRuns: 2000 },
  );
  assert.equal(nextStreamId('5-18446744073709551615'), '6-0');
  assert.equal(previousStreamId('6-0'), '5-18446744073709551615');
  assert.equal(nextStreamId('0-0'), '0-1');
});

test('streamIdFromTime and streamIdTime convert between ids and Unix ms', () => {
  assert.equal(streamIdFromTime(1700000000000), '1700000000000-0');
  assert.equal(streamIdFromTime(new Date(1700000000123)), '1700000000123-0');
  assert.equal(streamIdFromTime(12.9), '12-0');
  assert.equal(streamIdFromTime(0), '0-0');
  assert.equal(streamIdTime('1700000000123-45'), 1700000000123);
  fc.assert(
    fc.property(fc.nat(), (ms) => {
      assert.equal(streamIdTime(streamIdFromTime(ms)), ms);
    }),
  );
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN)]) {
    assert.throws(
      () => streamIdFromTime(bad),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'time',
    );
  }
});
