/** produce against a real redis-server: NDJSON and envelopes, CSV and text, --rate, bad lines. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, type RedisServer } from '@streamerson/testkit';
import { cli, lines } from './cli.js';

describe('produce', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
  });
  after(async () => {
    await engine.close();
    await redis.stop();
  });

  test('10,000 NDJSON lines round-trip unchanged, as payloads and as envelopes', async () => {
    const topic = uniqueName('rt');
    const input = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ n: i, name: `item ${i}`, tags: ['a', 'b'], nested: { ok: i % 2 === 0 } }));
    const produced = await cli(['produce', topic, '--type', 'item'], { url, input: `${input.join('\n')}\n` });
    assert.equal(produced.code, 0, produced.stderr);
    assert.match(produced.stderr, /produced 10000 messages to /);
    assert.equal(await engine.length(topic), 10_000);

    const payloads = await cli(['tap', topic, '--payload-only'], { url });
    assert.equal(payloads.code, 0, payloads.stderr);
    assert.deepEqual(lines(payloads.stdout), input);

    const envelopes = lines((await cli(['tap', topic, '--count', '3'], { url })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(envelopes.length, 3);
    assert.deepEqual(Object.keys(envelopes[0]!), ['id', 'stream', 'time', 'type', 'headers', 'payload']);
    assert.equal(envelopes[0]!['type'], 'item');
    assert.equal(envelopes[0]!['stream'], topic);
    assert.deepEqual(envelopes[2]!['payload'], JSON.parse(input[2]!));
    assert.ok(Math.abs(Date.parse(envelopes[0]!['time'] as string) - Date.now()) < 60_000);
  });

  test('envelope lines set type, headers and the shard key; tap output feeds back into produce', async () => {
    const topic = uniqueName('env');
    const input = [
      JSON.stringify({ type: 'created', headers: { tenant: 'a' }, key: 'user-1', payload: { id: 1 } }),
      JSON.stringify({ type: 'created', key: 'user-1', payload: { id: 2 } }),
      JSON.stringify({ payload: 'bare string', extra: true }),
    ].join('\n');
    assert.equal((await cli(['produce', topic, '--shards', '4'], { url, input })).code, 0);
    const out = lines((await cli(['tap', topic], { url })).stdout).map(
      (l) => JSON.parse(l) as { stream: string; type: string; headers: Record<string, string>; payload: unknown },
    );
    assert.equal(out.length, 3);
    const byId = out.filter((m) => m.type === 'created');
    assert.equal(byId.length, 2);
    assert.equal(byId[0]!.stream, byId[1]!.stream, 'one key, one shard');
    assert.match(byId[0]!.stream, new RegExp(`^${topic}#[0-3]$`));
    assert.deepEqual(byId.find((m) => (m.payload as { id: number }).id === 1)!.headers, { tenant: 'a' });
    assert.ok(
      out.some((m) => JSON.stringify(m.payload) === JSON.stringify({ payload: 'bare string', extra: true })),
      'an object with other keys is a bare payload',
    );

    const copy = uniqueName('copy');
    const tapped = (await cli(['tap', topic], { url })).stdout;
    assert.equal((await cli(['produce', copy], { url, input: tapped })).code, 0);
    const again = lines((await cli(['tap', copy, '-p'], { url })).stdout).sort();
    assert.deepEqual(again, out.map((m) => JSON.stringify(m.payload)).sort());
  });

  test('CSV with a header row and plain text lines, tapped back as CSV and text', async () => {
    const topic = uniqueName('csv');
    const csv = 'name,city,note\nada,london,"likes, commas"\ngrace,"new york","said ""hi"""\r\nkatherine,hampton,"two\nlines"\n';
    const produced = await cli(['produce', topic, '--format', 'csv'], { url, input: csv });
    assert.equal(produced.code, 0, produced.stderr);
    const payloads = lines((await cli(['tap', topic, '-p'], { url })).stdout).map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(payloads, [
      { name: 'ada', city: 'london', note: 'likes, commas' },
      { name: 'grace', city: 'new york', note: 'said "hi"' },
      { name: 'katherine', city: 'hampton', note: 'two\nlines' },
    ]);
    const back = await cli(['tap', topic, '-p', '--format', 'csv'], { url });
    assert.equal(back.stdout, 'name,city,note\nada,london,"likes, commas"\ngrace,new york,"said ""hi"""\nkatherine,hampton,"two\nlines"\n');
    const withEnvelope = lines((await cli(['tap', topic, '--format', 'csv'], { url })).stdout);
    assert.equal(withEnvelope[0], 'id,stream,time,type,name,city,note');
    assert.match(withEnvelope[1]!, new RegExp(`^\\d+-\\d+,${topic},\\d{4}-.*Z,,ada,london,`));

    const text = uniqueName('text');
    const input = 'first line\n  spaced  \n\n{"not":"parsed"}\nlast without newline';
    assert.equal((await cli(['produce', text, '--format', 'text'], { url, input })).code, 0);
    assert.deepEqual(lines((await cli(['tap', text, '--format', 'text'], { url })).stdout), input.split('\n'));
    const json = lines((await cli(['tap', text, '-p'], { url })).stdout);
    assert.equal(json[3], JSON.stringify('{"not":"parsed"}'), 'text payloads are JSON strings in NDJSON');
  });

  test('--rate spreads the writes over time', async () => {
    const topic = uniqueName('rate');
    const input = Array.from({ length: 30 }, (_, i) => JSON.stringify({ i })).join('\n');
    const started = Date.now();
    const run = await cli(['produce', topic, '--rate', '40'], { url, input });
    const elapsed = Date.now() - started;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await engine.length(topic), 30);
    assert.ok(elapsed >= 600, `30 messages at 40/s take about 750 ms, took ${elapsed} ms`);
    const ids = (await engine.range(topic, '-', '+')).map((e) => Number(e.id.split('-')[0]));
    assert.ok(ids.at(-1)! - ids[0]! >= 500, 'the first and last writes are apart');
  });

  test('a malformed line stops the run after writing the lines before it, with its line number', async () => {
    const topic = uniqueName('bad');
    const input = ['{"n":1}', '{"n":2}', '{"n": oops}', '{"n":4}'].join('\n');
    const stopped = await cli(['produce', topic], { url, input });
    assert.equal(stopped.code, 3);
    assert.match(stopped.stderr, /streamerson: ERR_STREAMERSON_BAD_INPUT: line 3: not JSON/);
    assert.match(stopped.stderr, /produced 2 messages .*stopped at bad line 3/);
    assert.deepEqual(lines((await cli(['tap', topic, '-p'], { url })).stdout), ['{"n":1}', '{"n":2}']);

    const skipped = uniqueName('skip');
    const run = await cli(['produce', skipped, '--skip-bad'], { url, input: `${input}\n{"type":5,"payload":1}\n` });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /skipped ERR_STREAMERSON_BAD_INPUT: line 3: /);
    assert.match(run.stderr, /skipped ERR_STREAMERSON_BAD_INPUT: line 5: envelope "type" must be a string/);
    assert.match(run.stderr, /produced 3 messages .*skipped 2 bad lines/);
    assert.deepEqual(lines((await cli(['tap', skipped, '-p'], { url })).stdout), ['{"n":1}', '{"n":2}', '{"n":4}']);

    const csvTopic = uniqueName('badcsv');
    const csv = await cli(['produce', csvTopic, '--format', 'csv'], { url, input: 'a,b\n1,2\n3,4,5\n6,7\n' });
    assert.equal(csv.code, 3);
    assert.match(csv.stderr, /ERR_STREAMERSON_BAD_INPUT: line 3: /);
    assert.equal(await engine.length(csvTopic), 1);
  });
});
