/**
 * Naming what to read: names that do not exist exit 6 with a close match;
 * one shard by `topic#i` or `--shard`, and any stream that `ls` lists; the
 * last N messages; a group tap that starts before its sharded topic exists
 * creates nothing and follows the real shards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli, finished, lines, PROCESS_WAIT_MS, startCli } from './cli.js';

function fill(engine: Engine, stream: string, payloads: readonly unknown[]): Promise<(string | null)[]> {
  return engine.appendBatch(payloads.map((payload) => ({ stream, fields: encodeMessage({ payload }) })));
}

describe('naming topics and shards', () => {
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

  test('tap, info, trim, relay and dlq of a name that does not exist exit 6 and name a close match', async () => {
    const topic = uniqueName('inventory');
    await fill(engine, topic, [1]);
    const typo = topic.slice(0, -1);
    const from = `${url}/${typo}`;
    const runs = [
      ['tap', typo],
      ['info', typo],
      ['trim', typo, '--maxlen', '1'],
      ['dlq', 'ls', typo],
      ['relay', '--from', from, '--to', from],
    ];
    for (const args of runs) {
      const r = await cli(args, { url });
      assert.equal(r.code, 6, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`^streamerson: ERR_STREAMERSON_NOT_FOUND: topic "${typo}" does not exist.* \\(did you mean "${topic}"\\?\\)\\n$`),
        args.join(' '),
      );
      assert.equal(r.stdout, '');
    }
    const far = await cli(['tap', 'zzzzzzzz-nothing-like-it'], { url });
    assert.equal(far.code, 6);
    assert.doesNotMatch(far.stderr, /did you mean/);
    const letter = await cli(['dlq', 'replay', topic, '--id', '1-1'], { url });
    assert.equal(letter.code, 6);
    assert.equal(letter.stderr, `streamerson: ERR_STREAMERSON_NOT_FOUND: no dead letter 1-1 in ${topic}:dlq\n`);
    const optionFirst = await cli(['dlq', 'replay', '--id', '1-1', topic], { url });
    assert.deepEqual(optionFirst, letter, 'the option may come before the topic');
    assert.equal(await engine.length(typo), 0, 'nothing was created by asking');
    assert.deepEqual(
      await engine.listStreams(typo),
      [topic].filter((t) => t.startsWith(typo)),
    );
  });

  test('one shard by topic#i or --shard, every shard by the topic; names ls lists that are not topics', async () => {
    const topic = uniqueName('sharded');
    for (let i = 0; i < 3; i++) await fill(engine, `${topic}#${i}`, [`s${i}-a`, `s${i}-b`]);
    const odd = `${uniqueName('odd')} name with spaces`;
    await fill(engine, odd, ['spaced']);
    const listed = lines((await cli(['ls', ''], { url })).stdout);
    for (const name of [`${topic}#0`, `${topic}#2`, odd]) assert.ok(listed.includes(name), name);

    assert.deepEqual(lines((await cli(['tap', `${topic}#2`, '-p'], { url })).stdout), ['"s2-a"', '"s2-b"']);
    assert.deepEqual(lines((await cli(['tap', topic, '--shard', '1', '-p'], { url })).stdout), ['"s1-a"', '"s1-b"']);
    assert.equal(lines((await cli(['tap', topic, '-p'], { url })).stdout).length, 6);
    assert.deepEqual(lines((await cli(['tap', odd, '-p'], { url })).stdout), ['"spaced"']);
    const info = JSON.parse((await cli(['info', `${topic}#1`, '--json'], { url })).stdout) as { length: number; streams: unknown[] };
    assert.equal(info.length, 2);
    assert.equal(info.streams.length, 1);
    assert.equal((await cli(['trim', `${topic}#0`, '--maxlen', '1'], { url })).stdout, '1\n');
    assert.equal(await engine.length(`${topic}#1`), 2, 'the other shards untouched');
    const missingShard = await cli(['tap', topic, '--shard', '7'], { url });
    assert.equal(missingShard.code, 6);
    assert.match(missingShard.stderr, /shard 7 of topic/);
  });

  test('the last N messages over all shards: --last N, --from -N; --from end is latest', async () => {
    const topic = uniqueName('last');
    // Entries of two shards are ordered by the time in their ids: each one is written in a later
    // millisecond than the one before, or two shards would hold equal ids and no order between them.
    for (let i = 0; i < 6; i++) {
      const [id] = await fill(engine, `${topic}#${i % 2}`, [i]);
      const ms = Number(id!.split('-')[0]);
      await waitFor(() => Date.now() > ms, { what: 'the next millisecond' });
    }
    assert.deepEqual(lines((await cli(['tap', topic, '--last', '3', '-p'], { url })).stdout).sort(), ['3', '4', '5']);
    assert.deepEqual(lines((await cli(['tap', topic, '--from', '-2', '-p'], { url })).stdout).sort(), ['4', '5']);
    assert.deepEqual(lines((await cli(['tap', topic, '--last', '100', '-p'], { url })).stdout).length, 6);
    assert.deepEqual(lines((await cli(['tap', topic, '--from', 'end', '-p'], { url })).stdout), []);
    const both = await cli(['tap', topic, '--last', '1', '--from', 'beginning'], { url });
    assert.equal(both.code, 2);
    // A group created at the last 2 delivers those first.
    assert.deepEqual(lines((await cli(['tap', topic, '--last', '2', '--group', 'g', '--consumer', 'c', '-p'], { url })).stdout).sort(), ['4', '5']);
  });

  test('a group tap started before its sharded topic exists creates nothing, then follows the shards that appear', async () => {
    const topic = uniqueName('later');
    const child = startCli(['tap', topic, '--group', 'audit', '--consumer', 'c1', '--follow', '-p'], url);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const done = finished(child);
    await waitFor(() => err.includes('does not exist yet'), { what: 'the tap waiting for the topic', timeoutMs: PROCESS_WAIT_MS });
    assert.deepEqual(await engine.listStreams(topic), [], 'no stream created by the waiting tap');
    for (let i = 0; i < 3; i++) await fill(engine, `${topic}#${i}`, [`shard ${i}`]);
    await waitFor(() => lines(out).length === 3, { what: 'a message from each shard', timeoutMs: PROCESS_WAIT_MS });
    assert.deepEqual(lines(out).sort(), ['"shard 0"', '"shard 1"', '"shard 2"']);
    child.kill('SIGTERM');
    assert.equal((await done).code, 143);
    assert.deepEqual(await engine.listStreams(topic), [`${topic}#0`, `${topic}#1`, `${topic}#2`], 'only the shards the producer made');
    for (let i = 0; i < 3; i++) assert.equal((await engine.pendingSummary(`${topic}#${i}`, 'audit')).count, 0, 'each written message acknowledged');
    const info = JSON.parse((await cli(['info', topic, '--json'], { url })).stdout) as { streams: unknown[] };
    assert.equal(info.streams.length, 3);
    const top = JSON.parse((await cli(['top', topic, '--once', '--json', '--interval', '100ms'], { url })).stdout) as { topics: { shards: number }[] };
    assert.equal(top.topics[0]!.shards, 3, 'top and info agree');
  });

  test('a plain follow of a topic that does not exist yet waits for it and for its new shards', async () => {
    const topic = uniqueName('grows');
    const child = startCli(['tap', topic, '--follow', '-p'], url);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const done = finished(child);
    await fill(engine, topic, ['unsharded']);
    await waitFor(() => out.includes('"unsharded"'), { what: 'the topic once it exists', timeoutMs: PROCESS_WAIT_MS });
    await fill(engine, `${topic}#1`, ['shard 1']);
    await waitFor(() => out.includes('"shard 1"'), { what: 'a shard that appeared later', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGINT');
    assert.equal((await done).code, 130);
  });
});
