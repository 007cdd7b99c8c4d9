import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

it("the README's example runs as written and prints what the README says", async () => {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const [, code] = /```ts\n([\s\S]*?)```/.exec(text)!;
  const [, printed] = /It prints:\n\n```\n([\s\S]*?)```/.exec(text)!;
  const js = ts.transpileModule(code!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // Inside the package so that the imports resolve as they would for a user.
  const file = fileURLToPath(new URL(`../readme-example-${process.pid}.mjs`, import.meta.url));
  writeFileSync(file, js);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 30_000 });
    assert.equal(stdout.trim(), printed!.trim());
  } finally {
    rmSync(file, { force: true });
  }
});
