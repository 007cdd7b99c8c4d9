import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidOptionError } from '../src/index.js';
import { encodeHeadersWith, encodeMessageWithHeaders, jsonString } from '../src/internal.js';
import { encodeHeaders } from '../src/protocol/headers.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });
/** Few distinct names, so that base and extra often share some. */
const names = fc.constantFrom('a', 'b', 'deadline', 'gateway', '__proto__', '"q"', 'é');
const dictionary = fc.dictionary(fc.oneof(names, text), text, { maxKeys: 4 });

test('encodeHeadersWith writes the text encodeHeaders writes for the merged headers, frozen base or not', () => {
  fc.assert(
    fc.property(dictionary, dictionary, fc.boolean(), (base, extra, frozen) => {
      const b = frozen ? Object.freeze(base) : base;
      const expected = encodeHeaders({ ...base, ...extra });
      assert.equal(encodeHeadersWith(b, extra), expected);
      // A frozen base's text is kept: a second call must not differ.
      assert.equal(encodeHeadersWith(b, extra), expected);
    }),
    { numRuns: 2000 },
  );
});

test('encodeHeadersWith: a name of the base given again keeps its place with the new value', () => {
  const base = Object.freeze({ deadline: '1', gateway: 'http' });
  assert.equal(encodeHeadersWith(base, { deadline: '2' }), '{"deadline":"2","gateway":"http"}');
  assert.equal(encodeHeadersWith(base, { x: '3' }), '{"deadline":"1","gateway":"http","x":"3"}');
  assert.equal(encodeHeadersWith(Object.freeze({}), {}), '');
  assert.equal(encodeHeadersWith(undefined, { deadline: '9' }), '{"deadline":"9"}');
});

test('encodeHeadersWith rejects what encodeHeaders rejects, naming the header, every time', () => {
  const option = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof InvalidOptionError);
      return e.option;
    }
    return undefined;
  };
  const badBase = Object.freeze({ status: 200 }) as unknown as Record<string, string>;
  assert.equal(
    option(() => encodeHeadersWith(badBase, { deadline: '1' })),
    'headers.status',
  );
  assert.equal(
    option(() => encodeHeadersWith(badBase, { deadline: '1' })),
    'headers.status',
  );
  assert.equal(
    option(() => encodeHeadersWith({ a: 'b' }, { n: 1 as unknown as string })),
    'headers.n',
  );
  assert.equal(
    option(() => encodeHeadersWith(Object.freeze({ a: 'b' }), { n: 1 as unknown as string })),
    'headers.n',
  );
  assert.equal(
    option(() => encodeHeadersWith(Object.freeze(['a']) as unknown as Record<string, string>, {})),
    'headers',
  );
  assert.equal(
    option(() => encodeHeadersWith('a=b' as unknown as Record<string, string>, {})),
    'headers',
  );
});

test('encodeMessageWithHeaders writes the given h field where encodeMessage writes its own', () => {
  const msg = { id: 'm', type: 't', replyTo: 'r', payload: { x: 1 } };
  const h = encodeHeadersWith(Object.freeze({ gateway: 'http' }), { deadline: '5' });
  assert.deepEqual(encodeMessageWithHeaders(msg, h), ['v', '1', 'i', 'm', 't', 't', 'r', 'r', 'h', '{"gateway":"http","deadline":"5"}', 'p', '{"x":1}']);
  assert.deepEqual(encodeMessageWithHeaders(msg, ''), ['v', '1', 'i', 'm', 't', 't', 'r', 'r', 'p', '{"x":1}']);
});

test('jsonString writes what JSON.stringify writes for any string', () => {
  for (const s of ['', 'plain /path?x=1', '"', '\\', '\n', '\u007f', '\u0000', 'é', '\ud800', '\udc00x', '😀', '<script>']) {
    assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      assert.equal(jsonString(s), JSON.stringify(s));
    }),
    { numRuns: 5000 },
  );
});
