/**
 * The README's "Services in one screen" example, run as written: a worker and a
 * gateway in one process, answering GET /orders/:id over a real socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { freePort, waitFor } from '@streamerson/testkit';

test("README.md's services example answers GET /orders/:id through a worker", async () => {
  const text = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const block = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].find((m) => m[1]!.includes('streamersonGateway'));
  assert.ok(block, 'README.md has the services example');
  const js = ts.transpileModule(block[1]!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // Written inside the workspace so that the packages resolve as they would for a user.
  const file = fileURLToPath(new URL(`../readme-services-${process.pid}.mjs`, import.meta.url));
  writeFileSync(file, js);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  delete env['STREAMERSON_URL'];
  const child = spawn(process.execPath, [file], { env, stdio: 'inherit' });
  try {
    const body = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/orders/42`).catch(() => undefined);
        return res?.ok ? res.json() : undefined;
      },
      { what: 'the example answering', timeoutMs: 15_000 },
    );
    assert.deepEqual(body, { id: '42', status: 'shipped' });
  } finally {
    child.kill('SIGKILL');
    rmSync(file, { force: true });
  }
});
