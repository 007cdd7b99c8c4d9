import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCycles } from '../src/import-cycles.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The compiled sources of every workspace package and example. */
function compiledSources(): string[] {
  const dirs: string[] = [];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const src = join(ROOT, group, name, 'dist', 'src');
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) dirs.push(src);
    }
  }
  return dirs;
}

test('no package has an import cycle between its modules', () => {
  const dirs = compiledSources();
  assert.ok(
    dirs.some((d) => d.includes(join('packages', 'core'))),
    `the core's compiled sources are found under ${ROOT}`,
  );
  for (const dir of dirs) assert.deepEqual(importCycles(dir), [], `import cycles in ${dir}`);
});

test('the check finds a cycle, and ignores what is not one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.js'), "import { b } from './sub/b.js';\nexport const a = 1;\n");
    writeFileSync(join(dir, 'sub', 'b.js'), "export { a } from '../a.js';\nimport fs from 'node:fs';\n");
    writeFileSync(join(dir, 'c.js'), "import './a.js';\n// import { c } from './c.js';\n");
    assert.deepEqual(importCycles(dir), [['a.js', join('sub', 'b.js'), 'a.js']]);
    writeFileSync(join(dir, 'sub', 'b.js'), 'export const b = 2;\n');
    assert.deepEqual(importCycles(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
