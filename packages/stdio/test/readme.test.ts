import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

it("the README's processor runs in the README's pipe and prints what the README says", async () => {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const [, code] = /```ts\n([\s\S]*?)```/.exec(text)!;
  const [, command] = /```sh\n([\s\S]*?)```/.exec(text)!;
  const [, printed] = /It prints:\n\n```\n([\s\S]*?)```/.exec(text)!;
  const js = ts.transpileModule(code!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // Inside the package so that the imports resolve as they would for a user.
  const file = fileURLToPath(new URL(`../double-${process.pid}.mjs`, import.meta.url));
  writeFileSync(file, js);
  try {
    // jq is left out of the pipe (it may not be installed): the test reads the payloads itself.
    const pipe = command!
      .trim()
      .replace(/ \| jq -c \.payload$/, '')
      .replace('double.mjs', file);
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', pipe], { timeout: 30_000 });
    const payloads = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.stringify((JSON.parse(line) as { payload: unknown }).payload));
    assert.equal(payloads.join('\n'), printed!.trim());
  } finally {
    rmSync(file, { force: true });
  }
});
