import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every `ts` code block of the READMEs that git tracks (whole programs, unlike the fragments in docs/), with where it is. */
function snippets(): { where: string; code: string }[] {
  const files = execFileSync('git', ['ls-files', 'README.md', '*/README.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const out: { where: string; code: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      out.push({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, code: m[1]! });
    }
  }
  return out;
}

test('every TypeScript snippet of the READMEs type-checks against the packages', () => {
  const all = snippets();
  assert.ok(
    all.some((s) => s.where.startsWith('README.md:')),
    'the README snippets are found',
  );
  // Inside the workspace, so that packages resolve as they do for a user.
  const dir = mkdtempSync(join(fileURLToPath(new URL('../', import.meta.url)), 'snippets-'));
  try {
    const files = all.map((s, i) => {
      const file = join(dir, `snippet-${i}.ts`);
      writeFileSync(file, `${s.code}\nexport {};\n`);
      return { ...s, file };
    });
    const program = ts.createProgram(
      files.map((f) => f.file),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
    );
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = files.find((f) => f.file === d.file?.fileName)?.where ?? relative(ROOT, d.file?.fileName ?? '?');
      const line = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${where} (snippet line ${line}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
