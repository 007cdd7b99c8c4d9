/** `streamerson state` as a process against a machine on a real redis-server. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { defineMachine, MachineClient, StateWriter } from '@streamerson/state';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli, lines, PROCESS_WAIT_MS, startCli } from './cli.js';

type Counter = { n: number };
type Added = { type: 'added'; by: number };

function counters(name: string) {
  return defineMachine<Counter, { add: { by: number } }, Added>({
    name,
    shards: 2,
    initial: () => ({ n: 0 }),
    commands: {
      add: { schema: { type: 'object', required: ['by'], properties: { by: { type: 'integer' } } }, decide: (_s, { by }) => [{ type: 'added', by }] },
    },
    apply: (s, e) => ({ n: s.n + e.by }),
  });
}

describe('streamerson state', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  let writer: StateWriter<Counter, Added>;
  let client: MachineClient<Counter, { add: { by: number } }>;
  const machine = counters(uniqueName('counters'));
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
    // Snapshots every 4 changes: some keys are read from the snapshot hash, others from the changelog after it.
    writer = new StateWriter(engine, machine, { snapshotEvery: 4, blockMs: 50 });
    await writer.start();
    client = new MachineClient(engine, machine);
    for (const key of keys) for (let i = 1; i <= keys.indexOf(key) + 1; i++) await client.send(key, 'add', { by: i });
    await engine.append('plain', encodeMessage({ type: 'x', payload: {} }));
  });
  after(async () => {
    await writer.close();
    await client.close();
    await engine.close();
    await redis.stop();
  });

  test('get prints the state and version of a key; history its changes, oldest first', async () => {
    for (const key of keys) {
      const r = await cli(['state', 'get', machine.name, key], { url });
      assert.equal(r.code, 0, r.stderr);
      const v = keys.indexOf(key) + 1;
      assert.deepEqual(JSON.parse(r.stdout), { key, version: v, state: { n: (v * (v + 1)) / 2 } });
    }
    const h = await cli(['state', 'history', machine.name, 'f', '--limit', '4'], { url });
    assert.equal(h.code, 0, h.stderr);
    const changes = lines(h.stdout).map((l) => JSON.parse(l) as { key: string; version: number; type: string; events: Added[]; state: Counter; epoch: number });
    assert.deepEqual(
      changes.map((c) => [c.key, c.version, c.type, c.events[0]!.by, c.state.n]),
      [
        ['f', 3, 'add', 3, 6],
        ['f', 4, 'add', 4, 10],
        ['f', 5, 'add', 5, 15],
        ['f', 6, 'add', 6, 21],
      ],
    );
    assert.equal(changes[0]!.epoch, 1);
  });

  test('ls lists every key of every shard with its version, and --states their states', async () => {
    const r = await cli(['state', 'ls', machine.name, '--states'], { url });
    assert.equal(r.code, 0, r.stderr);
    const listed = lines(r.stdout).map((l) => JSON.parse(l) as { key: string; shard: number; version: number; state: Counter });
    assert.deepEqual(listed.map((k) => k.key).sort(), keys);
    for (const k of listed) assert.deepEqual([k.version, k.state.n], [keys.indexOf(k.key) + 1, ((keys.indexOf(k.key) + 1) * (keys.indexOf(k.key) + 2)) / 2]);
    assert.deepEqual(
      listed.map((k) => k.shard),
      [...listed.map((k) => k.shard)].sort(),
    );
    const one = await cli(['state', 'ls', machine.name, '--shard', '1'], { url });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      lines(one.stdout).map((l) => JSON.parse(l) as { key: string }),
      listed.filter((k) => k.shard === 1).map(({ key, shard, version }) => ({ key, shard, version })),
    );
  });

  test('exit 6 for a key without state, a machine that does not exist and a topic that is no machine; 2 for bad usage', async () => {
    const none = await cli(['state', 'get', machine.name, 'zz'], { url });
    assert.equal(none.code, 6);
    assert.match(none.stderr, /^streamerson: ERR_STREAMERSON_NOT_FOUND: key "zz" of machine "counters-.+" has no state/);
    assert.equal((await cli(['state', 'history', machine.name, 'zz'], { url })).code, 6);
    const missing = await cli(['state', 'ls', `${machine.name}x`], { url });
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /machine "counters-.+x" does not exist \(did you mean "counters-/);
    const topic = await cli(['state', 'get', 'plain', 'a'], { url });
    assert.equal(topic.code, 6);
    assert.match(topic.stderr, /"plain" is not a state machine with 1 shard: no writer ever held a shard of it/);
    assert.equal((await cli(['state', 'ls', machine.name, '--shard', '2'], { url })).code, 2);
    assert.equal((await cli(['state', 'get', machine.name], { url })).code, 2);
  });

  test("watch prints the key's current state, then its changes as they are applied, until SIGINT (exit 130)", async () => {
    const child = startCli(['state', 'watch', machine.name, 'b'], url);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => /watching "b"/.test(stderr), { timeoutMs: PROCESS_WAIT_MS, what: `the watch to start (stderr: ${stderr})` });
      assert.deepEqual(JSON.parse(lines(stdout)[0]!), { key: 'b', version: 2, state: { n: 3 } });
      await client.send('a', 'add', { by: 100 });
      await client.send('b', 'add', { by: 10 });
      await waitFor(() => lines(stdout).length >= 2, { timeoutMs: PROCESS_WAIT_MS, what: 'the change of b' });
      const change = JSON.parse(lines(stdout)[1]!) as { key: string; version: number; type: string; events: Added[]; state: Counter };
      assert.deepEqual([change.key, change.version, change.type, change.events, change.state], ['b', 3, 'add', [{ type: 'added', by: 10 }], { n: 13 }]);
      child.kill('SIGINT');
      assert.equal(await exited, 130);
      assert.equal(lines(stdout).length, 2, stdout);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('watch without a key prints the changes of every key', async () => {
    const child = startCli(['state', 'watch', machine.name], url);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => /watching every key/.test(stderr), { timeoutMs: PROCESS_WAIT_MS, what: `the watch to start (stderr: ${stderr})` });
      for (const key of ['c', 'd', 'e']) await client.send(key, 'add', { by: 1 });
      await waitFor(() => lines(stdout).length >= 3, { timeoutMs: PROCESS_WAIT_MS, what: 'three changes' });
      assert.deepEqual(
        lines(stdout)
          .map((l) => (JSON.parse(l) as { key: string }).key)
          .sort(),
        ['c', 'd', 'e'],
      );
      child.kill('SIGINT');
      assert.equal(await exited, 130);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
