/** ls, info, trim and relay against real redis-servers. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, type RedisServer } from '@streamerson/testkit';
import { cli, lines } from './cli.js';

function fill(engine: Engine, stream: string, n: number, from = 0): Promise<(string | null)[]> {
  return engine.appendBatch(Array.from({ length: n }, (_, i) => ({ stream, fields: encodeMessage({ payload: { i: from + i } }) })));
}

describe('inspecting and moving streams', () => {
  let redis: RedisServer;
  let other: RedisServer;
  let engine: Engine;
  let target: Engine;
  let url: string;
  before(async () => {
    [redis, other] = await Promise.all([startRedis(), startRedis()]);
    url = redis.url;
    engine = await connect(url);
    target = await connect(other.url);
  });
  after(async () => {
    await Promise.all([engine.close(), target.close()]);
    await Promise.all([redis.stop(), other.stop()]);
  });

  test('ls lists streams by prefix and hides internal ones unless --all', async () => {
    const prefix = uniqueName('ls');
    await fill(engine, `${prefix}.a`, 2);
    await fill(engine, `${prefix}.b`, 1);
    await fill(engine, `_${prefix}`, 1);
    assert.deepEqual(lines((await cli(['ls', prefix], { url })).stdout), [`${prefix}.a`, `${prefix}.b`]);
    const long = lines((await cli(['ls', prefix, '-l'], { url })).stdout).map((l) => l.split('\t'));
    assert.deepEqual(
      long.map((l) => l.slice(0, 2)),
      [
        [`${prefix}.a`, '2'],
        [`${prefix}.b`, '1'],
      ],
    );
    assert.ok(lines((await cli(['ls', '--all'], { url })).stdout).includes(`_${prefix}`));
  });

  test('info shows length, first and last entry, shards, groups with lag and pending, consumers', async () => {
    const topic = uniqueName('info');
    const ids = [...(await fill(engine, `${topic}#0`, 3)), ...(await fill(engine, `${topic}#1`, 2))];
    for (const s of [`${topic}#0`, `${topic}#1`]) await engine.createGroup(s, 'billing', '0');
    await engine.readGroup('billing', 'worker-1', [{ stream: `${topic}#0`, after: '>' }], { count: 2 });
    const json = await cli(['info', topic, '--json'], { url });
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      length: number;
      first: { id: string };
      last: { id: string };
      streams: unknown[];
      deadLetters: number;
      groups: { name: string; lag: number; pending: number; consumers: { name: string; pending: number; idleMs: number }[] }[];
    };
    assert.equal(report.length, 5);
    assert.equal(report.streams.length, 2);
    assert.equal(report.first.id, ids[0]);
    assert.equal(report.deadLetters, 0);
    assert.equal(report.groups.length, 1);
    assert.equal(report.groups[0]!.lag, 3, 'one unread on shard 0, two on shard 1');
    assert.equal(report.groups[0]!.pending, 2);
    assert.equal(report.groups[0]!.consumers[0]!.name, 'worker-1');
    assert.equal(report.groups[0]!.consumers[0]!.pending, 2);
    const text = (await cli(['info', topic], { url })).stdout;
    assert.match(text, /length\s+5/);
    assert.match(text, /shards\s+2/);
    assert.match(text, /billing\s+lag 3\s+pending 2/);
    assert.match(text, /worker-1\s+pending 2\s+idle \d+(ms|s)/);
    const missing = await cli(['info', uniqueName('missing')], { url });
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /ERR_STREAMERSON_NOT_FOUND/);
  });

  test('trim by --maxlen, --minid and --older-than', async () => {
    const topic = uniqueName('trim');
    const ids = await fill(engine, topic, 10);
    assert.equal((await cli(['trim', topic, '--maxlen', '8'], { url })).stdout, '2\n');
    assert.equal((await cli(['trim', topic, '--minid', ids[5]!], { url })).stdout, '3\n');
    assert.equal(await engine.length(topic), 5);
    const aged = uniqueName('aged');
    const hourAgo = Date.now() - 3_600_000;
    for (let i = 1; i <= 3; i++) await engine.append(aged, encodeMessage({ payload: i }), { id: `${hourAgo}-${i}` });
    await fill(engine, aged, 2);
    assert.equal((await cli(['trim', aged, '--older-than', '30m'], { url })).stdout, '3\n');
    assert.equal(await engine.length(aged), 2);
    const usage = await cli(['trim', topic, '--maxlen', '1', '--minid', '1-1'], { url });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /ERR_STREAMERSON_USAGE: give exactly one of/);
  });

  test('trim --approximate leaves at most one node (100 entries) more than asked, where one XTRIM ~ leaves far more', async () => {
    const topic = uniqueName('approx');
    const single = uniqueName('single');
    for (let i = 0; i < 30_000; i += 5_000) await Promise.all([fill(engine, topic, 5_000, i), fill(engine, single, 5_000, i)]);
    // What Redis does in one call: whole nodes only, and at most 100 nodes (10,000 entries) of them.
    assert.equal(await redis.command('XTRIM', single, 'MAXLEN', '~', '1000'), 10_000);
    assert.equal(await engine.length(single), 20_000);

    const trimmed = await cli(['trim', topic, '--maxlen', '1000', '--approximate'], { url });
    assert.equal(trimmed.code, 0, trimmed.stderr);
    const left = await engine.length(topic);
    assert.ok(left >= 1_000 && left <= 1_100, `${left} entries left`);
    assert.equal(trimmed.stdout, `${30_000 - left}\n`);
  });

  test('relay copies every shard to another server with ids kept, and resumes where the target ends', async () => {
    const topic = uniqueName('relay');
    const copy = uniqueName('copy');
    await fill(engine, `${topic}#0`, 50);
    await fill(engine, `${topic}#1`, 30);
    const args = ['relay', '--from', `${url}/${topic}`, '--to', `${other.url}/${copy}`];
    const first = await cli(args, { url });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /relayed 80 entries/);
    assert.deepEqual(await target.range(`${copy}#0`, '-', '+'), await engine.range(`${topic}#0`, '-', '+'));
    assert.deepEqual(await target.range(`${copy}#1`, '-', '+'), await engine.range(`${topic}#1`, '-', '+'));

    await fill(engine, `${topic}#1`, 5, 30);
    const again = await cli(args, { url });
    assert.match(again.stderr, /relayed 5 entries/, 'a second run copies only what is new');
    assert.equal(await target.length(`${copy}#1`), 35);

    const partial = uniqueName('partial');
    const tail = (await engine.range(`${topic}#0`, '-', '+')).at(-10)!.id;
    // Shard #1 may hold entries of tail's millisecond with lower sequence numbers (ids count per stream): those come before it.
    const fromTail = (await engine.range(`${topic}#1`, tail, '+')).length;
    const fromId = await cli(['relay', '--from', `${url}/${topic}`, '--to', `${other.url}/${partial}`, '--from-id', tail], { url });
    assert.match(fromId.stderr, new RegExp(`relayed ${10 + fromTail} entries`));
    assert.equal(await target.length(`${partial}#0`), 10);
    assert.equal(await target.length(`${partial}#1`), fromTail);

    const bad = await cli(['relay', '--from', 'orders', '--to', `${other.url}/x`], { url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ERR_STREAMERSON_USAGE: --from expects <url>\/<topic>/);
  });
});
