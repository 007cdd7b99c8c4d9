/**
 * One shard, like kcat's `-p`: `topic#i` and `--shard i` address one shard in
 * every command that takes a topic (produce, flux, publish, request, info,
 * trim, relay --from, as tap does); commands that write find a topic's shard
 * count by listing; `request --key` goes to the shard of the key.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMessage, shardForKey } from '@streamerson/core';
import { Service } from '@streamerson/service';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { useCliFixture } from './fixture.js';
import { cli, finished, lines, PROCESS_WAIT_MS, startCli } from './cli.js';

const fast = { blockMs: 50, retryDelayMs: 10, maxRetryDelayMs: 20, claimIntervalMs: 50, consumer: 'm1' } as const;

describe('one shard of a topic in every command', () => {
  const fx = useCliFixture('streamerson-shards-');

  /** A topic of three shards, one message in each. */
  async function threeShards(prefix: string): Promise<string> {
    const topic = uniqueName(prefix);
    for (let i = 0; i < 3; i++) await fx.engine.append(`${topic}#${i}`, encodeMessage({ payload: `s${i}` }));
    return topic;
  }

  async function lengths(topic: string): Promise<number[]> {
    return Promise.all([0, 1, 2].map((i) => fx.engine.length(`${topic}#${i}`)));
  }

  test('produce and publish write to topic#i or --shard i; without one they spread over the shards that exist', async () => {
    const topic = await threeShards('write');
    const byName = await cli(['produce', `${topic}#1`], { url: fx.url, input: '{"n":1}\n{"n":2}\n' });
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stderr, new RegExp(`^produced 2 messages to ${topic}#1 in `));
    const byOption = await cli(['produce', topic, '--shard', '2', '-q'], { url: fx.url, input: '{"n":3}\n' });
    assert.equal(byOption.code, 0, byOption.stderr);
    assert.deepEqual(await lengths(topic), [1, 3, 2]);
    const published = await cli(['publish', `${topic}#0`, 'note', '"hi"'], { url: fx.url });
    assert.equal(published.code, 0, published.stderr);
    assert.deepEqual(await lengths(topic), [2, 3, 2]);
    assert.equal((await cli(['publish', topic, 'note', '"x"', '--shard', '2'], { url: fx.url })).code, 0);
    assert.deepEqual(await lengths(topic), [2, 3, 3]);
    const spread = await cli(['produce', topic, '-q'], { url: fx.url, input: '1\n2\n3\n' });
    assert.equal(spread.code, 0, spread.stderr);
    assert.deepEqual(await lengths(topic), [3, 4, 4], 'the three shards found by listing, round-robin');
    assert.equal(await fx.engine.length(topic), 0, 'no stray unsharded stream beside the shards');
  });

  test('a shard that is not there, both forms at once, or --key with a shard: typed errors, nothing written', async () => {
    const topic = await threeShards('bad');
    const missing = await cli(['produce', `${topic}#3`], { url: fx.url, input: '1\n' });
    assert.equal(missing.code, 6);
    assert.equal(missing.stderr, `streamerson: ERR_STREAMERSON_NOT_FOUND: shard 3 of topic "${topic}" does not exist: it has 3 shards (--shards makes more)\n`);
    const both = await cli(['publish', `${topic}#1`, 't', '--shard', '1'], { url: fx.url });
    assert.equal(both.code, 2);
    assert.equal(both.stderr, `streamerson: ERR_STREAMERSON_USAGE: "${topic}#1" names shard 1 already: give topic#i or --shard, not both\n`);
    const keyed = await cli(['produce', topic, '--shard', '1', '--key', 'id'], { url: fx.url, input: '{"id":1}\n' });
    assert.equal(keyed.code, 2);
    assert.match(keyed.stderr, /^streamerson: ERR_STREAMERSON_USAGE: --key picks a shard/);
    const above = await cli(['info', topic, '--shard', '3', '--shards', '3'], { url: fx.url });
    assert.equal(above.code, 2);
    assert.equal(above.stderr, 'streamerson: ERR_STREAMERSON_USAGE: shard 3 is not below --shards 3\n');
    assert.deepEqual(await lengths(topic), [1, 1, 1]);
    assert.equal(await fx.engine.length(`${topic}#3`), 0);
  });

  test('flux writes every line into the one shard named', async () => {
    const topic = await threeShards('flux');
    const path = join(fx.dir, `${topic}.fifo`);
    const child = startCli(['flux', path, topic, '--shard', '2'], fx.url);
    const done = finished(child);
    await waitFor(() => existsSync(path), { what: 'the named pipe', timeoutMs: PROCESS_WAIT_MS });
    const fd = openSync(path, 'w');
    writeSync(fd, '{"n":1}\n{"n":2}\n');
    closeSync(fd);
    await waitFor(async () => (await fx.engine.length(`${topic}#2`)) === 3, { what: 'two lines in shard 2', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGTERM');
    const result = await done;
    assert.equal(result.code, 143);
    assert.match(result.stderr, new RegExp(`produced 2 messages to ${topic}#2 `));
    assert.deepEqual(await lengths(topic), [1, 1, 3]);
  });

  test('info and trim of one shard by --shard; shard 0 of a topic without shards is its stream', async () => {
    const topic = await threeShards('inspect');
    const info = await cli(['info', topic, '--shard', '1', '--json'], { url: fx.url });
    assert.equal(info.code, 0, info.stderr);
    const report = JSON.parse(info.stdout) as { length: number; streams: { stream: string }[] };
    assert.equal(report.length, 1);
    assert.deepEqual(
      report.streams.map((s) => s.stream),
      [`${topic}#1`],
    );
    assert.equal((await cli(['trim', topic, '--shard', '1', '--maxlen', '0'], { url: fx.url })).stdout, '1\n');
    assert.deepEqual(await lengths(topic), [1, 0, 1]);
    const plain = uniqueName('plain');
    await fx.engine.append(plain, encodeMessage({ payload: 'only' }));
    assert.deepEqual(lines((await cli(['tap', `${plain}#0`, '-p'], { url: fx.url })).stdout), ['"only"']);
    const second = await cli(['trim', plain, '--shard', '1', '--maxlen', '0'], { url: fx.url });
    assert.equal(second.code, 6);
    assert.equal(second.stderr, `streamerson: ERR_STREAMERSON_NOT_FOUND: shard 1 of topic "${plain}" does not exist\n`);
  });

  test('relay --from <fx.url>/topic#i (or --shard i) copies that shard to the same shard of the target', async () => {
    const topic = await threeShards('relay');
    const target = uniqueName('copy');
    const byName = await cli(['relay', '--from', `${fx.url}/${topic}#2`, '--to', `${fx.url}/${target}`], { url: fx.url });
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stderr, new RegExp(`^relayed 1 entry from ${topic}#2 to ${target} in `));
    const byOption = await cli(['relay', '--from', `${fx.url}/${topic}`, '--shard', '0', '--to', `${fx.url}/${target}`, '-q'], { url: fx.url });
    assert.equal(byOption.code, 0, byOption.stderr);
    assert.deepEqual(await fx.engine.listStreams(target), [`${target}#0`, `${target}#2`]);
    const intoShard = await cli(['relay', '--from', `${fx.url}/${topic}`, '--to', `${fx.url}/${target}#1`], { url: fx.url });
    assert.equal(intoShard.code, 2);
    assert.match(intoShard.stderr, /^streamerson: ERR_STREAMERSON_USAGE: --to names a topic/);
  });

  test('request --key goes to the shard of the key, request topic#i to that shard', async () => {
    const topic = uniqueName('keyed');
    const shards = 3;
    const service = new Service(fx.engine, { name: `svc-${topic}`, topic, shards, ...fast });
    service.handle('where', (_payload: unknown, ctx: { stream: string }) => ctx.stream);
    await service.start();
    try {
      for (const key of ['alice', 'bob', 'carol', 'dave']) {
        const r = await cli(['request', topic, 'where', '--key', key], { url: fx.url });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout), `${topic}#${shardForKey(key, shards)}`, key);
      }
      const one = await cli(['request', `${topic}#1`, 'where'], { url: fx.url });
      assert.equal(one.code, 0, one.stderr);
      assert.equal(JSON.parse(one.stdout), `${topic}#1`);
      const both = await cli(['request', topic, 'where', '--shard', '1', '--key', 'alice'], { url: fx.url });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /^streamerson: ERR_STREAMERSON_USAGE: --key picks the shard/);
    } finally {
      await service.close();
    }
  });
});
