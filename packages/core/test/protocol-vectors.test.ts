import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CONTENT_TYPE_CODES,
  FIELD_NAMES,
  PROTOCOL_VERSION,
  ProtocolError,
  decodeEntry,
  encodeMessage,
  auxKey,
  shardForKey,
  streamKey,
  type ContentType,
  type OutgoingMessage,
  type RawEntry,
} from '../src/index.js';

const CONTENT_TYPE_CODES_BY_LETTER = Object.fromEntries(Object.entries(CONTENT_TYPE_CODES).map(([name, letter]) => [letter, name]));

type VectorField = { name: string; utf8?: string; base64?: string };

interface Vector {
  name: string;
  kind: 'one-way' | 'request' | 'reply' | 'error-reply' | 'invalid';
  stream: string;
  entry: { id: string; fields: VectorField[] };
  decoded?: Record<string, unknown> & { contentType: ContentType; payload: unknown };
  decodeOnly?: boolean;
  error?: string;
}

const file = JSON.parse(readFileSync(new URL('../../../../docs/protocol-vectors.v1.json', import.meta.url), 'utf8')) as {
  version: number;
  fields: string[];
  contentTypes: Record<string, string>;
  vectors: Vector[];
  streamKeys: { topic: string; shards: number; shard: number; stream: string }[];
  routing: { key: string; shards: number; shard: number }[];
  auxKeys: { stream: string; suffix: string; key: string }[];
};

function bytesOf(field: VectorField): Buffer {
  if (field.base64 !== undefined) return Buffer.from(field.base64, 'base64');
  assert.ok(field.utf8 !== undefined, `field ${field.name} has neither utf8 nor base64`);
  return Buffer.from(field.utf8, 'utf8');
}

/** The entry as an engine hands it over: names and values as Buffers. */
function rawEntry(v: Vector): RawEntry {
  return { id: v.entry.id, fields: v.entry.fields.flatMap((f) => [Buffer.from(f.name, 'utf8'), bytesOf(f)]) };
}

/** The vector's decoded form with a binary payload as a Buffer. */
function expectedMessage(v: Vector): Record<string, unknown> {
  const d = v.decoded!;
  const payload = d.contentType === 'binary' ? Buffer.from((d.payload as { base64: string }).base64, 'base64') : d.payload;
  return { ...d, payload };
}

function outgoing(v: Vector): OutgoingMessage {
  const m = expectedMessage(v);
  const explicitId = (m.id as string) !== v.entry.id;
  return {
    id: explicitId ? (m.id as string) : '',
    type: m.type as string,
    replyTo: m.replyTo as string,
    headers: m.headers as Record<string, string>,
    contentType: m.contentType as ContentType,
    source: m.source as string,
    payload: m.payload,
  };
}

test('the vectors file describes protocol v1 and its field names', () => {
  assert.equal(file.version, PROTOCOL_VERSION);
  assert.deepEqual(file.fields, [...FIELD_NAMES]);
  assert.deepEqual(file.contentTypes, CONTENT_TYPE_CODES_BY_LETTER);
  const kinds = new Set(file.vectors.map((v) => v.kind));
  assert.deepEqual([...kinds].sort(), ['error-reply', 'invalid', 'one-way', 'reply', 'request']);
  const names = file.vectors.map((v) => v.name);
  assert.equal(new Set(names).size, names.length, 'vector names are unique');
});

for (const v of file.vectors) {
  if (v.kind === 'invalid') {
    test(`vector "${v.name}": decodes to ${v.error}`, () => {
      const entry = rawEntry(v);
      const result = decodeEntry(v.stream, entry);
      assert.ok(result instanceof ProtocolError, 'a ProtocolError, not a message');
      assert.equal(result.code, v.error);
      assert.equal(result.raw, entry);
      assert.equal(result.stream, v.stream);
    });
    continue;
  }

  test(`vector "${v.name}": decodes to its message`, () => {
    const result = decodeEntry(v.stream, rawEntry(v));
    assert.ok(!(result instanceof ProtocolError), `decoding failed: ${result instanceof Error ? result.message : ''}`);
    assert.deepEqual({ ...result }, expectedMessage(v));
  });

  if (!v.decodeOnly) {
    test(`vector "${v.name}": encodes to exactly its field bytes`, () => {
      const fields = encodeMessage(outgoing(v)).map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f));
      assert.deepEqual(fields, rawEntry(v).fields);
    });
  }
}

test("stream keys of topics and shards are the vectors' (shards count from 0)", () => {
  assert.ok(file.streamKeys.length > 0);
  for (const k of file.streamKeys) assert.equal(streamKey(k.topic, k.shard, k.shards), k.stream, JSON.stringify(k));
});

test("routing by key picks the vectors' shards (FNV-1a 32 of the UTF-8 key, mod shards)", () => {
  assert.ok(file.routing.length > 0);
  for (const r of file.routing) assert.equal(shardForKey(r.key, r.shards), r.shard, JSON.stringify(r));
});

test("keys kept in a stream's cluster slot are the vectors'", () => {
  assert.ok(file.auxKeys.length > 0);
  for (const k of file.auxKeys) assert.equal(auxKey(k.stream, k.suffix), k.key, JSON.stringify(k));
});

test('docs/PROTOCOL.md lists the same fields and content type letters as the codec', () => {
  const spec = readFileSync(new URL('../../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const fields = [...spec.matchAll(/^\| (\d) \| `([a-z])` \|/gm)].map((m) => m[2]);
  assert.deepEqual(fields, [...FIELD_NAMES]);
  const letters = Object.fromEntries([...spec.matchAll(/^\| `([a-z])` \| `(json|text|binary|msgpack)` \|/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(letters, CONTENT_TYPE_CODES_BY_LETTER);
});
