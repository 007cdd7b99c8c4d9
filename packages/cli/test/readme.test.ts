/** The README's first example, run as written (with the binary instead of npx) against a real redis-server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startRedis } from '@streamerson/testkit';
import { MAIN } from './cli.js';

const sh = promisify(execFile);

test('the README example runs and prints what it promises', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'the README opens with a sh block');
  const redis = await startRedis();
  try {
    const script = block
      .split('\n')
      .filter((l) => !l.startsWith('export STREAMERSON_URL='))
      .join('\n')
      .replaceAll('npx streamerson', `${process.execPath} ${MAIN}`);
    const { stdout } = await sh('sh', ['-ec', script], { env: { ...process.env, STREAMERSON_URL: redis.url }, timeout: 30_000 });
    assert.match(stdout, /^\{"sku":"A-1","qty":2\}\n\{"sku":"B-7","qty":1\}\n/);
    assert.match(stdout, /length\s+2\n/);
  } finally {
    await redis.stop();
  }
});
