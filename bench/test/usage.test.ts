import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

test('bench --help prints the usage line on stdout and exits 0', () => {
  const run = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^usage: bench \[produce\|consume\|/);
  assert.match(run.stdout, /--budget-period MS/);
  assert.equal(run.stderr, '');
});

test('an unknown argument exits 2 with one line naming it and the usage, no stack trace', () => {
  const run = spawnSync(process.execPath, [MAIN, '--bogus'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^bench: invalid option "scenario": unknown argument "--bogus"; usage: bench /);
});

test('a bad option value exits 2 naming the option', () => {
  const run = spawnSync(process.execPath, [MAIN, '--rounds', 'many'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^bench: invalid option "--rounds": expected a positive integer, got "many"\n$/);
});
