/** Pure logic of the CLI: line splitting (property test), NDJSON envelopes, CSV output, top's keys and rates. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { decodeEntry, type RawEntry } from '@streamerson/core';
import { lineBatches } from '../src/io/lines.js';
import { MessageEncoder } from '../src/produce/encoder.js';
import { parseNdjsonLine } from '../src/produce/ndjson.js';
import { BadInputError } from '../src/errors.js';
import { createFormatter } from '../src/tap/formats.js';
import { decodeItem } from '../src/tap/render.js';
import { applyKey, INITIAL_VIEW, splitKeys, visibleTopics, type ViewState } from '../src/top/view.js';
import type { TopicRow } from '../src/top/snapshot.js';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function collect(chunks: readonly Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of lineBatches(Readable.from(chunks), new AbortController().signal)) out.push(...batch);
  return out;
}

function toEntry(fields: readonly (string | Buffer)[]): RawEntry {
  return { id: '1700000000000-0', fields: fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)) };
}

describe('CLI logic', () => {
  test('line splitting gives the same lines however the input is chunked (property)', async () => {
    const alphabet = ['a', 'é', '€', '😀', '\n', '\r\n', ' ', '{', '"'];
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const text = Array.from({ length: Math.floor(next() * 60) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(next() * 7);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const expected = text.split('\n').map((l) => l.replace(/\r$/, ''));
      if (expected.at(-1) === '') expected.pop();
      assert.deepEqual(await collect(chunks), expected, `seed ${seed}: ${JSON.stringify(text)}`);
    }
  });

  test('NDJSON lines: bare payloads keep their text, envelopes set type, headers and key', () => {
    const encoder = new MessageEncoder({ topic: 't', shards: 1, type: 'default', keyField: undefined });
    const decode = (line: string) => {
      const item = parseNdjsonLine(line, 1, encoder);
      assert.ok(item !== undefined && !(item instanceof BadInputError));
      const msg = decodeEntry('t', toEntry(item.fields));
      assert.ok(!(msg instanceof Error));
      return { msg, raw: item.fields.at(-1) };
    };
    const bare = decode('  {"b": 1,  "a": [2]}  ');
    assert.equal(bare.raw, '{"b": 1,  "a": [2]}');
    assert.equal(bare.msg.type, 'default');
    assert.deepEqual(bare.msg.payload, { b: 1, a: [2] });
    const env = decode('{"type":"x","headers":{"h":"1"},"payload":[1],"id":"ignored","time":"t"}');
    assert.equal(env.msg.type, 'x');
    assert.deepEqual(env.msg.headers, { h: '1' });
    assert.deepEqual(env.msg.payload, [1]);
    assert.deepEqual(decode('{"payload":1,"other":2}').msg.payload, { payload: 1, other: 2 });
    assert.equal(parseNdjsonLine('   ', 7, encoder), undefined);
    const bad = parseNdjsonLine('{"type":1,"payload":2}', 7, encoder);
    assert.ok(bad instanceof BadInputError && bad.line === 7 && bad.code === 'ERR_STREAMERSON_BAD_INPUT');
  });

  test('keys route to one shard; no key goes round-robin', () => {
    const encoder = new MessageEncoder({ topic: 't', shards: 4, type: '', keyField: 'user.id' });
    const keyed = new Set([1, 2, 3].map(() => encoder.json('{}', { user: { id: 'u-1' } }).stream));
    assert.equal(keyed.size, 1);
    const spread = [1, 2, 3, 4].map(() => encoder.json('{}', {}).stream).sort();
    assert.deepEqual(spread, ['t#0', 't#1', 't#2', 't#3']);
  });

  test('CSV output quotes what needs quoting; a new field starts a new header block, nothing is dropped', () => {
    const options = { payloadOnly: true, bytes: 'base64' } as const;
    const f = createFormatter('csv', options);
    const item = (payload: unknown) => decodeItem('s', toEntry(['v', '1', 'p', JSON.stringify(payload)]));
    assert.equal(f.text(item({ a: 'x,y', b: 'say "hi"' })), 'a,b\n"x,y","say ""hi"""\n');
    assert.equal(f.text(item({ b: 2 })), ',2\n');
    assert.equal(f.text(item({ b: 2, c: 3 })), '\na,b,c\n,2,3\n', 'a field not seen before: a blank line, the larger header');
    assert.equal(createFormatter('csv', options, ['a', 'b']).text(item({ b: 1 })), 'a,b\n,1\n', 'columns known in advance');
    assert.equal(createFormatter('csv', options, ['a'], true).text(item({ a: 1, c: 2 })), 'a\n1\n', '--fields: only those');
    assert.equal(createFormatter('csv', options).text(item(5)), 'payload\n5\n');
    assert.equal(createFormatter('ndjson', options).text(decodeItem('s', toEntry(['x', 'y']))), '["x","y"]\n');
  });

  test('top keys: sort cycle, reverse, filter typing, quit; keys in one read are split', () => {
    assert.deepEqual(splitKeys('/ab\r'), ['/', 'a', 'b', '\r']);
    assert.deepEqual(splitKeys('\x1b[Aq'), ['\x1b[A', 'q']);
    let view: ViewState = INITIAL_VIEW;
    for (const key of splitKeys('s/or\x7fd\r')) view = applyKey(view, key) as ViewState;
    assert.equal(view.sort, 'name');
    assert.equal(view.filter, 'od');
    assert.equal(view.editing, undefined);
    assert.equal(applyKey(view, 'q'), 'quit');
    const row = (topic: string, rate: number): TopicRow => ({
      topic,
      shards: 1,
      length: 0,
      msgsPerSec: { lastSecond: rate, lastMinute: 0 },
      bytesPerSec: { lastSecond: 0, lastMinute: 0 },
      lastMessageAgeMs: null,
      deadLetters: 0,
      groups: [],
    });
    const rows = [row('b', 1), row('a', 5), row('c', 3)];
    assert.deepEqual(
      visibleTopics(rows, INITIAL_VIEW).map((r) => r.topic),
      ['a', 'c', 'b'],
    );
    assert.deepEqual(
      visibleTopics(rows, { ...INITIAL_VIEW, sort: 'name', descending: false }).map((r) => r.topic),
      ['a', 'b', 'c'],
    );
    assert.equal(view.descending, false, 'names sort A to Z after s');
    assert.deepEqual(
      visibleTopics(rows, { ...INITIAL_VIEW, filter: 'c' }).map((r) => r.topic),
      ['c'],
    );
  });
});
