/** top: the JSON snapshot against a known workload, the live screen in a terminal, and a Cluster. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { startRedis, startRedisCluster, uniqueName, waitFor, type RedisClusterHandle, type RedisServer } from '@streamerson/testkit';
import { cli, MAIN } from './cli.js';

const run = promisify(execFile);

interface TopJson {
  topics: {
    topic: string;
    shards: number;
    length: number;
    deadLetters: number;
    lastMessageAgeMs: number | null;
    msgsPerSec: { lastSecond: number; lastMinute: number };
    bytesPerSec: { lastSecond: number; lastMinute: number };
    groups: {
      name: string;
      lag: number;
      pending: number;
      consumersOnline: number;
      consumersIdle: number;
      consumers: { name: string; pending: number; idleMs: number | null; online: boolean }[];
    }[];
  }[];
  totals: { topics: number; length: number; lag: number; pending: number; deadLetters: number };
}

function fill(engine: Engine, stream: string, n: number): Promise<(string | null)[]> {
  return engine.appendBatch(Array.from({ length: n }, (_, i) => ({ stream, fields: encodeMessage({ payload: { i, pad: 'x'.repeat(50) } }) })));
}

describe('top', () => {
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

  test('--once --json: lag is the unread count, pending the unacknowledged, rates follow the writes', async () => {
    const prefix = uniqueName('top');
    const orders = `${prefix}.orders`;
    const quiet = `${prefix}.quiet`;
    const busy = `${prefix}.busy`;
    await fill(engine, `${orders}#0`, 60);
    await fill(engine, `${orders}#1`, 40);
    for (const s of [`${orders}#0`, `${orders}#1`]) await engine.createGroup(s, 'billing', '0');
    await engine.readGroup('billing', 'c1', [{ stream: `${orders}#0`, after: '>' }], { count: 30 });
    await fill(engine, `${orders}:dlq`, 2);
    await fill(engine, quiet, 10);

    let writing = true;
    const writer = (async () => {
      while (writing) {
        await fill(engine, busy, 10);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const result = await cli(['top', prefix, '--once', '--json', '--interval', '2s'], { url });
    writing = false;
    await writer;
    assert.equal(result.code, 0, result.stderr);
    const snap = JSON.parse(result.stdout) as TopJson;
    const byName = new Map(snap.topics.map((t) => [t.topic, t]));
    assert.deepEqual([...byName.keys()].sort(), [busy, orders, quiet], 'dead-letter streams are a column, not a topic');

    const o = byName.get(orders)!;
    const b = byName.get(busy)!;
    assert.equal(o.shards, 2);
    assert.equal(o.length, 100);
    assert.equal(o.deadLetters, 2);
    assert.equal(o.groups.length, 1);
    const { consumers, ...billing } = o.groups[0]!;
    assert.deepEqual(billing, { name: 'billing', lag: 70, pending: 30, consumersOnline: 1, consumersIdle: 0 });
    assert.equal(consumers.length, 1);
    assert.equal(consumers[0]!.name, 'c1');
    assert.equal(consumers[0]!.pending, 30);
    assert.equal(consumers[0]!.online, true);
    for (const r of [b.msgsPerSec.lastSecond, b.msgsPerSec.lastMinute]) assert.equal(Math.round(r * 100) / 100, r, `${r}: two decimals at most`);
    for (const r of [b.bytesPerSec.lastSecond, b.bytesPerSec.lastMinute]) assert.ok(Number.isInteger(r), `${r}: whole bytes`);
    assert.equal(o.msgsPerSec.lastSecond, 0);
    assert.ok(o.lastMessageAgeMs! >= 0);

    // About 200 msg/s are written; the bounds leave room for a loaded machine.
    assert.ok(b.msgsPerSec.lastSecond > 20 && b.msgsPerSec.lastSecond < 400, `busy rate ${b.msgsPerSec.lastSecond}`);
    assert.ok(b.bytesPerSec.lastSecond > b.msgsPerSec.lastSecond * 50, 'bytes/s counts the entry size');
    assert.equal(byName.get(quiet)!.length, 10);
    assert.equal(snap.totals.topics, 3);
    assert.equal(snap.totals.lag, 70);
    assert.equal(snap.totals.pending, 30);
    assert.equal(snap.totals.deadLetters, 2);
    assert.equal(snap.totals.length, 110 + b.length);
  });

  test('the live screen in a terminal shows the topics, sorts, filters and quits on q', async () => {
    const prefix = uniqueName('screen');
    await fill(engine, `${prefix}.alpha`, 5);
    await fill(engine, `${prefix}.beta#0`, 3);
    await fill(engine, `${prefix}.beta#1`, 3);
    await engine.createGroup(`${prefix}.alpha`, 'readers', '0');
    const socket = uniqueName('tmux');
    const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
    const screen = async () => (await tmux('capture-pane', '-p', '-t', 'top')).stdout;
    await tmux('new-session', '-d', '-s', 'top', '-x', '160', '-y', '30', `${process.execPath} ${MAIN} top ${prefix} --url ${url} --interval 300ms`);
    try {
      await waitFor(async () => (await screen()).includes(`${prefix}.beta`), { what: 'the topics on screen', timeoutMs: 15_000 });
      const first = await screen();
      assert.match(first, /streamerson top/);
      assert.match(first, new RegExp(`${prefix}\\.alpha\\s+1\\s+5\\s`));
      assert.match(first, new RegExp(`${prefix}\\.beta\\s+2\\s+6\\s`));
      assert.match(first, /└ group readers\s+lag 5\s+pending 0/);
      assert.match(first, /TOTAL 2 topics/);
      await tmux('send-keys', '-t', 'top', 's');
      await waitFor(async () => (await screen()).includes('sort: name'), { what: 'sorted by name', timeoutMs: 10_000 });
      await tmux('send-keys', '-t', 'top', '/', 'b', 'e', 't', 'a', 'Enter');
      await waitFor(
        async () => {
          const s = await screen();
          return s.includes('filter: beta') && !s.includes(`${prefix}.alpha`);
        },
        { what: 'only the filtered topic', timeoutMs: 10_000 },
      );
      await tmux('send-keys', '-t', 'top', 'q');
      await waitFor(
        async () =>
          tmux('has-session', '-t', 'top').then(
            () => false,
            () => true,
          ),
        { what: 'top to quit on q', timeoutMs: 10_000 },
      );
    } finally {
      await tmux('kill-server').catch(() => undefined);
    }
  });
});

describe('top on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await cluster.stop();
  });

  test('--once --json sees topics and groups spread over the masters', async () => {
    const prefix = uniqueName('ctop');
    const engine = await connect(cluster.url);
    try {
      for (let i = 0; i < 6; i++) await fill(engine, `${prefix}.t#${i}`, 10 + i);
      await fill(engine, `${prefix}.single`, 7);
      await engine.createGroup(`${prefix}.single`, 'g', '0');
      const result = await cli(['top', prefix, '--once', '--json', '--interval', '200ms'], { url: cluster.url });
      assert.equal(result.code, 0, result.stderr);
      const snap = JSON.parse(result.stdout) as TopJson;
      const t = snap.topics.find((x) => x.topic === `${prefix}.t`)!;
      assert.equal(t.shards, 6);
      assert.equal(t.length, 75);
      const single = snap.topics.find((x) => x.topic === `${prefix}.single`)!;
      assert.equal(single.groups[0]!.lag, 7);
    } finally {
      await engine.close();
    }
  });
});
