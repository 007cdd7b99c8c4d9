import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  acknowledgedCount,
  REDIS_SERVER_MISSING_HINT,
  RESERVED_REDIS_PORT,
  monitorRedis,
  parseMonitorLine,
  redisCommand,
  startRedis,
  startRedisCluster,
  uniqueName,
  waitFor,
} from '../src/index.js';

const execFileAsync = promisify(execFile);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedis', () => {
  it('starts a server that answers, on a port other than 6379, and stops idempotently', async () => {
    const server = await startRedis();
    after(() => server.stop());
    assert.notEqual(server.port, RESERVED_REDIS_PORT);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.equal(await server.command('PING'), 'PONG');
    assert.equal(await redisCommand(server.port, ['SET', 'k', 'v']), 'OK');
    assert.equal(await redisCommand(server.port, ['GET', 'k']), 'v');
    assert.ok(existsSync(server.dir));
    await server.stop();
    await server.stop();
    assert.equal(isAlive(server.pid), false);
    assert.equal(existsSync(server.dir), false);
    await assert.rejects(redisCommand(server.port, ['PING'], { timeoutMs: 300 }));
  });

  it('starts servers on different ports and passes extra arguments', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis({ args: ['--maxmemory', '12mb'] })]);
    after(() => Promise.all([a.stop(), b.stop()]));
    assert.notEqual(a.port, b.port);
    assert.deepEqual(await b.command('CONFIG', 'GET', 'maxmemory'), ['maxmemory', String(12 * 1024 * 1024)]);
  });

  it('reports an error reply as a rejection', async () => {
    const server = await startRedis();
    after(() => server.stop());
    await assert.rejects(server.command('NOSUCHCOMMAND'), /unknown command/i);
  });

  it('kill() simulates a crash and stop() still resolves', async () => {
    const server = await startRedis();
    server.kill();
    await waitFor(() => !isAlive(server.pid), { timeoutMs: 2_000, what: 'the killed server to exit' });
    await server.stop();
  });

  it('rejects with an install hint when redis-server is missing', async () => {
    await assert.rejects(startRedis({ env: { PATH: '' } }), (err: Error) => err.message === REDIS_SERVER_MISSING_HINT);
  });
});

describe('startRedisCluster', () => {
  it('starts a 3-master cluster that serves every slot', async () => {
    const cluster = await startRedisCluster();
    after(() => cluster.stop());
    assert.equal(cluster.nodes.length, 3);
    assert.equal(new Set(cluster.nodes.map((n) => n.port)).size, 3);
    assert.equal(cluster.url, `redis+cluster://${cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
    for (const node of cluster.nodes) {
      const info = await node.command('CLUSTER', 'INFO');
      assert.match(String(info), /cluster_state:ok/);
    }
    const first = cluster.nodes[0]!;
    for (const key of ['a', 'b', 'c', uniqueName()]) {
      const set = await execFileAsync('redis-cli', ['-c', '-p', String(first.port), 'SET', key, 'v']);
      assert.equal(set.stdout.trim(), 'OK');
      const get = await execFileAsync('redis-cli', ['-c', '-p', String(first.port), 'GET', key]);
      assert.equal(get.stdout.trim(), 'v');
    }
    const routedKeys = ['a', 'b', 'c', 'd', 'e'];
    for (const key of routedKeys) assert.equal(await cluster.command('SET', key, `routed-${key}`), 'OK');
    for (const key of routedKeys) assert.equal(await cluster.command('GET', key), `routed-${key}`);
    await cluster.stop();
    await cluster.stop();
    for (const node of cluster.nodes) assert.equal(isAlive(node.pid), false);
  });

  it('rejects fewer than 3 masters', async () => {
    await assert.rejects(startRedisCluster({ masters: 2 }), /masters/);
  });
});

describe('monitorRedis', () => {
  it('parses a MONITOR line into its source, name and arguments', () => {
    assert.deepEqual(parseMonitorLine('+1796177161.910492 [0 127.0.0.1:49858] "XADD" "s" "*" "p" "{\\"a\\":\\"b\\\\c\\"}"'), {
      source: '127.0.0.1:49858',
      name: 'xadd',
      args: ['s', '*', 'p', '{"a":"b\\c"}'],
    });
    assert.equal(parseMonitorLine('+OK'), undefined);
    assert.equal(parseMonitorLine('-ERR nope'), undefined);
  });

  it('reports the commands a server runs with the connection that sent them, up to its limit', async () => {
    const server = await startRedis();
    after(() => server.stop());
    const monitor = await monitorRedis(server.port, { limit: 2 });
    after(() => monitor.stop());
    await redisCommand(server.port, ['SET', 'k', 'say "hi"']);
    await redisCommand(server.port, ['GET', 'k']);
    await redisCommand(server.port, ['DEL', 'k']);
    await waitFor(() => monitor.dropped === 1, { what: 'the third command', timeoutMs: 2_000 });
    assert.deepEqual(
      monitor.commands.map((c) => [c.name, c.args]),
      [
        ['set', ['k', 'say "hi"']],
        ['get', ['k']],
      ],
    );
    assert.match(monitor.commands[0]!.source, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(monitor.commands[0]!.source, monitor.commands[1]!.source, 'each redisCommand has its own connection');
  });
});

describe('uniqueName', () => {
  it('is unique per call and a valid topic name', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('conf')));
    assert.equal(names.size, 1000);
    for (const name of names) assert.match(name, /^conf[A-Za-z0-9_.:/-]+$/);
    assert.match(uniqueName(), /^t-/);
  });
});

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    assert.equal(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 }), 3);
  });

  it('fails with what it waited for and the last error', async () => {
    await assert.rejects(
      waitFor(
        () => {
          throw new Error('still booting');
        },
        { timeoutMs: 50, intervalMs: 5, what: 'the widget' },
      ),
      /waiting for the widget: still booting/,
    );
  });
});

describe('acknowledgedCount', () => {
  const source = (lag: number | null) => ({
    info: async (stream: string) => (stream === 's' ? { length: 10, groups: [{ name: 'g', lag, pending: 2 }] } : null),
  });

  it('counts what a group has delivered less what it still holds pending', async () => {
    assert.equal(await acknowledgedCount(source(3), 's', 'g'), 5);
    assert.equal(await acknowledgedCount(source(0), 's', 'g'), 8);
  });

  it('says 0 for a missing stream or group, and when the lag is unknown', async () => {
    assert.equal(await acknowledgedCount(source(3), 'other', 'g'), 0);
    assert.equal(await acknowledgedCount(source(3), 's', 'h'), 0);
    assert.equal(await acknowledgedCount(source(null), 's', 'g'), 0);
  });
});
