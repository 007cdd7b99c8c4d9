#!/usr/bin/env node
// Runs every compiled test file of the workspace with Node's test runner.
// `npm test` checks the prerequisites (scripts/prerequisites.mjs) and builds
// first (tsc --build), then calls this script; extra arguments are file
// filters: `npm test -- conformance` runs the files whose path contains it.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { chromiumPath, CHROMIUM_CANDIDATES, pythonPath } from './prerequisites.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = [];
for (const group of ['packages', 'examples', 'bench']) {
  const base = join(root, group);
  let entries = [];
  try {
    entries = readdirSync(base);
  } catch {
    continue;
  }
  const dirs = group === 'bench' ? [base] : entries.map((e) => join(base, e));
  for (const dir of dirs) {
    const testDir = join(dir, 'dist', 'test');
    try {
      if (statSync(testDir).isDirectory()) files.push(...testFiles(testDir));
    } catch {
      // a workspace without tests
    }
  }
}
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Test files start their own redis-server processes; two at a time fits a 2-core machine.
const concurrency = Math.max(2, Math.min(4, availableParallelism()));
// A bound for each test — with several files, each file is one — that catches a hang. Files that run
// many processes (the CLI's, the examples') take minutes on a machine whose cores are shared.
const TEST_TIMEOUT_MS = 300_000;
// TAP on stdout as before; on stderr, at the end, the tests that failed (scripts/failures-reporter.mjs).
const reporters = [
  '--test-reporter=tap',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'scripts', 'failures-reporter.mjs')}`,
  '--test-reporter-destination=stderr',
];
const args = ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, ...reporters, ...selected];
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  // The browser and the interpreter the prerequisites check found, for the tests that use them.
  env: { ...process.env, STREAMERSON_CHROMIUM: chromiumPath() ?? CHROMIUM_CANDIDATES[0], STREAMERSON_PYTHON: pythonPath() },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
