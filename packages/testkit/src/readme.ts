/**
 * Runs the first ```ts block of a package README as a user would (transpiled,
 * from inside the package so that its imports resolve) and returns what it
 * printed, with the block after "It prints:" for the test to compare.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Longest run of a README example. */
export const README_EXAMPLE_TIMEOUT_MS = 30_000;

/**
 * `readme`: the README's URL; `packageDir`: a URL inside the package (the
 * example is written there, then removed). STREAMERSON_URL is unset, so the
 * example runs on memory://.
 */
export async function runReadmeExample(readme: URL, packageDir: URL): Promise<{ printed: string; expected: string }> {
  const text = readFileSync(readme, 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  const expected = /It prints:\n\n```\n([\s\S]*?)```/.exec(text)?.[1];
  if (code === undefined || expected === undefined) throw new Error(`${fileURLToPath(readme)} has no \`\`\`ts example followed by "It prints:"`);
  const ts = (await import('typescript')).default;
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = fileURLToPath(new URL(`readme-example-${process.pid}.mjs`, packageDir));
  writeFileSync(file, js);
  try {
    const env = { ...process.env };
    delete env['STREAMERSON_URL'];
    const { stdout } = await run(process.execPath, [file], { env, timeout: README_EXAMPLE_TIMEOUT_MS });
    return { printed: stdout.trim(), expected: expected.trim() };
  } finally {
    rmSync(file, { force: true });
  }
}
