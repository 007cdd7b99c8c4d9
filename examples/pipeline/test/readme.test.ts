import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { startRedis } from '@streamerson/testkit';

const run = promisify(execFile);

/** Runs the first `ts` code block of a README as a script and resolves with its output. */
async function runFirstExample(readme: string, engineUrl: string | undefined): Promise<string> {
  const text = readFileSync(new URL(`../../../../${readme}`, import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(text);
  assert.ok(block, `${readme} has a ts code block`);
  const js = ts.transpileModule(block[1]!, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  // Written inside the workspace so that `@streamerson/core` resolves as it would for a user.
  const file = fileURLToPath(new URL(`../readme-example-${process.pid}.mjs`, import.meta.url));
  writeFileSync(file, js);
  try {
    const env = { ...process.env };
    if (engineUrl === undefined) delete env['STREAMERSON_URL'];
    else env['STREAMERSON_URL'] = engineUrl;
    const { stdout } = await run(process.execPath, [file], { env, timeout: 30_000 });
    return stdout.trim();
  } finally {
    rmSync(file, { force: true });
  }
}

test("README.md's example runs as written on the memory engine", async () => {
  const [receiptLine, messageLine] = (await runFirstExample('README.md', undefined)).split('\n');
  assert.match(receiptLine ?? '', /^orders#[0-3] \d+-\d+$/);
  assert.equal(messageLine, "order.placed { sku: 'kettle', qty: 2 }");
});

test("packages/core/README.md's example runs as written", async () => {
  assert.equal(await runFirstExample('packages/core/README.md', undefined), 'STREAM ALL THE THINGS');
});

test("packages/service/README.md's example runs as written", async () => {
  assert.equal(await runFirstExample('packages/service/README.md', undefined), "{ sku: 'kettle', total: 9 }\nERR_STREAMERSON_REMOTE 400 BAD_QTY");
});

test("packages/redis/README.md's example runs as written against a real Redis", async () => {
  const redis = await startRedis();
  try {
    assert.equal(await runFirstExample('packages/redis/README.md', redis.url), "true [ 'greeting', 'hello' ]");
  } finally {
    await redis.stop();
  }
});
