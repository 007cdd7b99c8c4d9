/** tap against a real redis-server: --from, consumer groups, a reader that goes away. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli, lines, MAIN, PROCESS_WAIT_MS } from './cli.js';

const sh = promisify(execFile);

describe('tap', () => {
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

  test('--from by ISO time, by duration, by id, and latest', async () => {
    const topic = uniqueName('from');
    const old = await engine.append(topic, encodeMessage({ payload: 'old' }));
    // A cut strictly between the millisecond of the old entry and that of the new ones.
    await waitFor(() => Date.now() > Number(old!.split('-')[0]), { intervalMs: 1, what: 'the clock past the old entry' });
    const cut = new Date();
    await waitFor(() => Date.now() > cut.getTime(), { intervalMs: 1, what: 'the clock past the cut' });
    const newer = await engine.append(topic, encodeMessage({ payload: 'new' }));
    await engine.append(topic, encodeMessage({ payload: 'newest' }));
    const tap = async (...args: string[]) => lines((await cli(['tap', topic, '-p', ...args], { url })).stdout);
    assert.deepEqual(await tap('--from', cut.toISOString()), ['"new"', '"newest"']);
    assert.deepEqual(await tap('--from', newer!), ['"new"', '"newest"']);
    assert.deepEqual(await tap('--from', '1h'), ['"old"', '"new"', '"newest"']);
    assert.deepEqual(await tap('--from', 'latest'), []);
    const bad = await cli(['tap', topic, '--from', 'yesterday'], { url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ERR_STREAMERSON_USAGE: --from expects/);
  });

  test('a group tap acknowledges what it wrote; the next member gets only the rest', async () => {
    const topic = uniqueName('grp');
    await engine.appendBatch(Array.from({ length: 10 }, (_, i) => ({ stream: topic, fields: encodeMessage({ payload: i }) })));
    const first = await cli(['tap', topic, '--group', 'g', '--consumer', 'c1', '--count', '4', '-p'], { url });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(lines(first.stdout), ['0', '1', '2', '3']);
    let summary = await engine.pendingSummary(topic, 'g');
    assert.equal(summary.count, 0, 'written entries are acknowledged');
    const info = await engine.info(topic);
    assert.equal(info!.groups[0]!.lag, 6);
    const rest = await cli(['tap', topic, '--group', 'g', '--consumer', 'c2', '-p'], { url });
    assert.deepEqual(lines(rest.stdout), ['4', '5', '6', '7', '8', '9']);
    summary = await engine.pendingSummary(topic, 'g');
    assert.equal(summary.count, 0);

    // A member that died before acknowledging gets its own pending entries first; deleted ones are dropped.
    const ids = await engine.appendBatch([10, 11, 12].map((i) => ({ stream: topic, fields: encodeMessage({ payload: i }) })));
    await engine.readGroup('g', 'c3', [{ stream: topic, after: '>' }], { count: 3 });
    await engine.deleteEntries(topic, [ids[1]!]);
    await engine.append(topic, encodeMessage({ payload: 13 }));
    const again = await cli(['tap', topic, '--group', 'g', '--consumer', 'c3', '-p'], { url });
    assert.deepEqual(lines(again.stdout), ['10', '12', '13']);
    assert.equal((await engine.pendingSummary(topic, 'g')).count, 0);
    const usage = await cli(['tap', topic, '--group', 'g'], { url });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /ERR_STREAMERSON_USAGE: --group and --consumer go together/);
  });

  test('the reader going away (| head -1) ends tap quietly', async () => {
    const topic = uniqueName('pipe');
    await engine.appendBatch(Array.from({ length: 20_000 }, (_, i) => ({ stream: topic, fields: encodeMessage({ payload: { i, pad: 'x'.repeat(100) } }) })));
    const { stdout, stderr } = await sh('sh', ['-c', `node ${MAIN} tap ${topic} -p | head -1; echo "exit=\${PIPESTATUS:-done}"`], {
      env: { ...process.env, STREAMERSON_URL: url },
      timeout: PROCESS_WAIT_MS,
    });
    assert.equal(lines(stdout)[0], JSON.stringify({ i: 0, pad: 'x'.repeat(100) }));
    assert.equal(stderr, '', 'no EPIPE error is printed');
    const status = await sh('bash', ['-c', `set -o pipefail; node ${MAIN} tap ${topic} -p | head -1 > /dev/null`], {
      env: { ...process.env, STREAMERSON_URL: url },
      timeout: PROCESS_WAIT_MS,
    }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    assert.equal(status, 0, 'tap exits 0 when its reader leaves');
  });
});
