/**
 * A writer process paused (SIGSTOP) past its lease: a standby takes the shard
 * at a new epoch; the commands sent meanwhile reach the paused writer's
 * pending list (its blocking read was under way), so once it gets SIGCONT it
 * has a batch to store — and its fenced write is refused. Nothing it wrote
 * after losing the lease is in the changelog; every command is applied once.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, hasFencing } from '@streamerson/core';
import { killNodeProcesses, startNodeProcess, startRedis, uniqueName, waitFor } from '@streamerson/testkit';
import { MachineClient, shardKeys, WRITER_GROUP, type StateWriterOptions } from '../src/index.js';
import { changesByKey } from './invariant/checks.js';
import { bankMachine } from './bank.js';

const WRITER_SCRIPT = fileURLToPath(new URL('./invariant/writer-process.js', import.meta.url));

after(killNodeProcesses);

test('a writer paused past its lease is fenced when it resumes: its writes are refused, nothing it wrote after is stored', async (t) => {
  const server = await startRedis();
  const engine = await connect(server.url);
  assert.ok(hasFencing(engine));
  const machine = uniqueName('bank');
  const bank = bankMachine(machine, 1);
  const keys = shardKeys(bank, 0);
  // The old writer's read outlasts its pause; the heir claims what others left pending only every 2 s:
  // long enough to see a late command in the old writer's list.
  const options = (id: string): StateWriterOptions => ({
    id,
    leaseTtlMs: 1_000,
    renewIntervalMs: 250,
    blockMs: id === 'old' ? 60_000 : 100,
    claimIntervalMs: 2_000,
  });
  const start = (id: string) => startNodeProcess(WRITER_SCRIPT, [JSON.stringify({ url: server.url, machine, shards: 1, options: options(id) })], { name: id });
  const client = new MachineClient(engine, bank, { timeout: 30_000, leaseCheckMs: 0 });
  try {
    const old = await start('old');
    await waitFor(() => old.events.some((e) => e.event === 'acquired'), { what: 'old to take the shard' });
    await client.send('a', 'open', { balance: 100 });
    await client.send('a', 'deposit', { amount: 1 });
    // The old writer now blocks in its read; paused there, it holds the read open. A connection is
    // blocked while its flags hold `b`: `cmd` alone names the last command, which may have returned.
    await waitFor(async () => /flags=\w*b\w* .*cmd=xreadgroup/.test((await server.command('CLIENT', 'LIST', 'TYPE', 'normal')) as string), {
      what: 'the old writer to block in its read',
    });
    old.child.kill('SIGSTOP');
    const heir = await start('heir');
    await waitFor(() => heir.events.some((e) => e.event === 'acquired' && e['epoch'] === 2), {
      timeoutMs: 10_000,
      what: 'the heir to take the shard at epoch 2',
    });
    // Sent while the old writer is paused: its read was waiting, so Redis hands them to it.
    const sent = [1, 2, 3].map((n) => client.send('a', 'deposit', { amount: n }, { commandId: `late-${n}` }));
    await waitFor(async () => (await engine.pendingRange(keys.commands, WRITER_GROUP, { count: 10, consumer: 'old' })).length > 0, {
      what: 'a late command in the old writer’s pending list',
    });
    old.child.kill('SIGCONT');
    await waitFor(() => old.events.some((e) => e.event === 'lost'), { timeoutMs: 10_000, what: 'the old writer to lose the shard' });
    // The heir claims what the old writer read, and applies each once.
    const results = await Promise.all(sent);
    assert.deepEqual(results.map((r) => r.version).sort(), [3, 4, 5]);
    assert.equal(results.find((r) => r.version === 5)?.state.balance, 107);
    const changes = (await changesByKey(engine, bank)).get('a')!;
    assert.deepEqual(
      changes.map((c) => c.version),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      changes.map((c) => c.epoch),
      [1, 1, 2, 2, 2],
      'nothing stored at epoch 1 after epoch 2 began',
    );
    const lost = old.events.find((e) => e.event === 'lost')!;
    t.diagnostic(`the old writer: ${JSON.stringify(lost)}`);
    assert.ok(lost['code'] === 'ERR_STREAMERSON_FENCED' || /held by "?heir/.test(String(lost['message'])), `lost to the heir: ${JSON.stringify(lost)}`);
    assert.equal((await engine.leaseState(keys.lease)).owner, 'heir');
  } finally {
    await client.close();
    await killNodeProcesses();
    await engine.close();
    await server.stop();
  }
});
