/** The bank as processes: on memory://, and on a real redis-server with the audit and the CLI run beside it. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { connect } from '@streamerson/core';
import { MachineClient, StateWriter } from '@streamerson/state';
import { startRedis } from '@streamerson/testkit';
import { bank } from '../src/bank.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
const check = fileURLToPath(new URL('../src/check.js', import.meta.url));
const cliMain = fileURLToPath(new URL('../../../../packages/cli/dist/src/main.js', import.meta.url));

test('on memory://: transfers across shards, some rejected, and money conserved', async () => {
  const env = { ...process.env };
  delete env['STREAMERSON_URL'];
  const { stdout } = await run(process.execPath, [main, '--accounts', '20', '--transfers', '300'], { env, timeout: 60_000 });
  assert.match(stdout, /^bank on memory:\/\/.*: 20 accounts, 300 transfers$/m);
  const [, applied, rejected] = /^transfers applied (\d+), rejected (\d+) INSUFFICIENT_FUNDS$/m.exec(stdout) ?? [];
  assert.equal(Number(applied) + Number(rejected), 300, stdout);
  assert.ok(Number(applied) > 0 && Number(rejected) > 0, stdout);
  assert.match(stdout, /^20 accounts, total 20000, opened with 20000, in transit 0$/m);
  assert.match(stdout, /^money conserved$/m);
});

test("on Redis: the audit agrees with the CLI, and catches money created behind the writers' back", async () => {
  const redis = await startRedis();
  after(() => redis.stop());
  const env = { ...process.env, STREAMERSON_URL: redis.url };
  assert.match((await run(process.execPath, [main, '--accounts', '30', '--transfers', '200'], { env, timeout: 60_000 })).stdout, /^money conserved$/m);
  const audited = await run(process.execPath, [check], { env, timeout: 60_000 });
  assert.equal(audited.stdout, '30 accounts, total 30000, opened with 30000, in transit 0\nmoney conserved\n');
  const listed = await run(process.execPath, [cliMain, 'state', 'ls', 'bank', '--states'], { env, timeout: 60_000 });
  const balances = listed.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { state: { balance: number } }).state.balance);
  assert.deepEqual([balances.length, balances.reduce((a, b) => a + b, 0)], [30, 30_000]);

  // A credit applied without its transfer (as a bug would): the audit says so and exits 1.
  const engine = await connect(redis.url);
  const writer = new StateWriter(engine, bank);
  await writer.start();
  const client = new MachineClient(engine, bank);
  await client.send('acct-0', 'credit', { from: 'nobody', amount: 5, transfer: 'forged' });
  await client.close();
  await writer.drain();
  await engine.close();
  const forged = await run(process.execPath, [check, '--wait-ms', '0'], { env, timeout: 60_000 }).then(
    () => assert.fail('the audit passed'),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(forged.code, 1);
  assert.equal(forged.stdout, '30 accounts, total 30005, opened with 30000, in transit -5\n');
  assert.equal(forged.stderr, 'money created or lost: 5 more received than sent: a credit was applied twice\n');
});
