/** `streamerson replay` as a process against a processor's record on a real redis-server. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { connect, encodeMessage, shardForKey, streamKey, type Engine } from '@streamerson/core';
import { Processor } from '@streamerson/processor';
import { startRedis, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli } from './cli.js';
import { recorded, TOPIC } from './replay-counts.js';

const V1 = fileURLToPath(new URL('./replay-counts.js', import.meta.url));
const V2 = fileURLToPath(new URL('./replay-counts-v2.js', import.meta.url));

describe('streamerson replay', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  let firstBig: string;
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
    const processor = new Processor(engine, recorded, { blockMs: 50, announce: false });
    await processor.start();
    const ids = await engine.appendBatch(
      Array.from({ length: 40 }, (_, i) => {
        const key = `k${i % 4}`;
        return { stream: streamKey(TOPIC, shardForKey(key, 2), 2), fields: encodeMessage({ type: 'placed', headers: { key }, payload: { big: i === 17 } }) };
      }),
    );
    firstBig = ids[17]!;
    await waitFor(() => processor.stats().processed === 40, { what: 'every order processed' });
    await processor.close();
  });
  after(async () => {
    await engine.close();
    await redis.stop();
  });

  test('the recorded processor replays identically, and prints the state of a key', async () => {
    const r = await cli(['replay', V1, '--processor', 'replay-counts', '--state', 'k1'], { url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 40 inputs, 40 outputs, 0 dead letters/);
    assert.match(r.stdout, /^state k1: \{"n":10\}$/m);
    assert.match(r.stdout, /^identical to the record$/m);
  });

  test('a changed handler diverges: exit 7, naming the first differing input with the expected and actual output', async () => {
    const r = await cli(['replay', V2, '--processor', 'replay-counts'], { url });
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, new RegExp(`^divergence at input ${firstBig} of ${TOPIC}#\\d \\(batch logged as [0-9-]+\\): output differs$`, 'm'));
    assert.match(r.stdout, /^ {2}expected replay-counts\/.+"n":5,/m);
    assert.match(r.stdout, /^ {2}actual {3}replay-counts\/.+"n":6,/m);
    assert.match(r.stderr, /ERR_STREAMERSON_REPLAY_DIVERGED/);
    const json = await cli(['replay', V2, '--processor', 'replay-counts', '--json'], { url });
    assert.equal(json.code, 7);
    assert.equal((JSON.parse(json.stdout) as { divergence: { inputId: string } }).divergence.inputId, firstBig);
  });

  test('graph draws a running processor between the topics it reads and writes', async () => {
    const live = new Processor(engine, recorded, { blockMs: 50 });
    await live.start();
    try {
      const r = await cli(['graph', '--format', 'dot'], { url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"processor:replay-counts" \[shape=box, label="replay-counts\\nprocessor"\];/);
      assert.match(r.stdout, new RegExp(`"topic:${TOPIC}" -> "processor:replay-counts" \\[label="placed"\\];`));
      assert.match(r.stdout, new RegExp(`"processor:replay-counts" -> "topic:${TOPIC}-counts"`));
    } finally {
      await live.close();
    }
  });

  test('a processor the module does not export, or a module that does not exist: exit 6', async () => {
    const r = await cli(['replay', V1, '--processor', 'nope'], { url });
    assert.equal(r.code, 6);
    assert.match(r.stderr, /exports no processor "nope" \(it exports "replay-counts"\)/);
    assert.equal((await cli(['replay', `${V1}.missing.js`, '--processor', 'x'], { url })).code, 6);
    assert.equal((await cli(['replay', V1, '--processor', 'replay-counts', '--from', 'soon'], { url })).code, 2);
  });
});
