/** The example as a process, on memory:// and on a real redis-server, and its record replayed by the CLI. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@streamerson/testkit';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
const processors = fileURLToPath(new URL('../src/processors.js', import.meta.url));
const cliMain = fileURLToPath(new URL('../../../../packages/cli/dist/src/main.js', import.meta.url));

/** What each customer's total must be: the orders of main.ts, with VAT. */
function expectedTotals(count: number): Map<string, { orders: number; total: number }> {
  const out = new Map<string, { orders: number; total: number }>();
  for (let i = 0; i < count; i++) {
    const customer = ['ann', 'bob', 'cy'][i % 3]!;
    const amount = 10 + ((i * 37) % 90);
    const t = out.get(customer) ?? { orders: 0, total: 0 };
    out.set(customer, { orders: t.orders + 1, total: Math.round((t.total + amount + Math.round(amount * 20) / 100) * 100) / 100 });
  }
  return out;
}

function check(stdout: string, count: number): void {
  for (const [customer, t] of expectedTotals(count)) assert.match(stdout, new RegExp(`^${customer}: ${t.orders} orders, total ${t.total.toFixed(2)}$`, 'm'));
  assert.match(stdout, new RegExp(`^replay example-enrich: ${count} inputs, identical to the record$`, 'm'));
  assert.match(stdout, new RegExp(`^replay example-totals: ${count} inputs, identical to the record$`, 'm'));
  assert.match(stdout, new RegExp(`^done: ${count} orders$`, 'm'));
}

test('on memory://: every order enriched and summed once per customer, and both processors replay identically', async () => {
  const env = { ...process.env };
  delete env['STREAMERSON_URL'];
  const { stdout } = await run(process.execPath, [main, '--count', '30'], { env, timeout: 60_000 });
  assert.match(stdout, /on memory:\/\//);
  check(stdout, 30);
});

test('on Redis, and the record replayed by streamerson replay, with a customer’s state', async () => {
  const redis = await startRedis();
  after(() => redis.stop());
  const env = { ...process.env, STREAMERSON_URL: redis.url };
  check((await run(process.execPath, [main, '--count', '60'], { env, timeout: 60_000 })).stdout, 60);
  const { stdout } = await run(process.execPath, [cliMain, 'replay', processors, '--processor', 'example-totals', '--state', 'ann'], { env, timeout: 60_000 });
  const ann = expectedTotals(60).get('ann')!;
  assert.match(stdout, new RegExp(`^state ann: ${JSON.stringify({ total: ann.total, orders: ann.orders }).replace(/[{}]/g, '\\$&')}$`, 'm'));
  assert.match(stdout, /^identical to the record$/m);
});

test('a bad option exits non-zero with a coded error', async () => {
  await assert.rejects(run(process.execPath, [main, '--count', 'many'], { timeout: 30_000 }), (error: { code?: number; stderr?: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr ?? '', /ERR_STREAMERSON_INVALID_OPTION/);
    return true;
  });
});
