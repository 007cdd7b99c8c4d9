import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@streamerson/testkit';
import { toInvoice } from '../src/pipeline.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

function invoiceLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.includes(' invoice #'));
}

test('toInvoice adds 20 % VAT and rounds to cents', () => {
  assert.deepEqual(toInvoice({ orderId: 7, item: 'mug', quantity: 3, unitPrice: 4.99 }), {
    orderId: 7,
    item: 'mug',
    net: 14.97,
    vat: 2.99,
    total: 17.96,
  });
});

test('the example runs as a process on the default memory engine and prints every invoice in order', async () => {
  const env = { ...process.env };
  delete env['STREAMERSON_URL'];
  const { stdout } = await run(process.execPath, [main, '--count', '12', '--interval', '0'], { env, timeout: 30_000 });
  assert.match(stdout, /on memory:\/\//);
  const lines = invoiceLines(stdout);
  assert.equal(lines.length, 12);
  assert.deepEqual(
    lines.map((l) => Number(/invoice #\s*(\d+)/.exec(l)![1])),
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.match(stdout, /done: 12 orders invoiced/);
});

test('the same example runs on real Redis through STREAMERSON_URL', async () => {
  const redis = await startRedis();
  after(() => redis.stop());
  const { stdout } = await run(process.execPath, [main, '--count', '8', '--interval', '0'], {
    env: { ...process.env, STREAMERSON_URL: redis.url },
    timeout: 30_000,
  });
  assert.equal(invoiceLines(stdout).length, 8);
  assert.match(stdout, new RegExp(`on redis://127\\.0\\.0\\.1:${redis.port}`));
});

test('a bad option exits non-zero with a coded error', async () => {
  await assert.rejects(run(process.execPath, [main, '--count', 'many'], { timeout: 30_000 }), (error: { code?: number; stderr?: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr ?? '', /ERR_STREAMERSON_INVALID_OPTION/);
    assert.match(error.stderr ?? '', /--count/);
    return true;
  });
});
