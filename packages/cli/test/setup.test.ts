/**
 * The README's set-up on a fresh machine: `npm test` checks what the suite
 * needs beyond Node and npm and installs it (root with apt-get) or stops at
 * once naming the command (`apt-get update && apt-get install -y …`); every
 * locked dependency runs on the Node version the README states, and the ones
 * with install scripts are allowed to run them (no warning from `npm ci`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const PREREQUISITES = join(root, 'scripts', 'prerequisites.mjs');
const ALL_PACKAGES = 'redis-server chromium tmux openssl python3-redis python3-msgpack';

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the check with a PATH holding only `node` (and what `extra` adds), as on a machine with nothing else. */
async function check(env: Record<string, string>, extra: (bin: string) => void = () => undefined): Promise<Run> {
  const bin = mkdtempSync(join(tmpdir(), 'streamerson-bare-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    extra(bin);
    const started = Date.now();
    const result = await promisify(execFile)(join(bin, 'node'), [PREREQUISITES], {
      env: { PATH: bin, STREAMERSON_CHROMIUM: join(bin, 'no-chromium'), STREAMERSON_PYTHON: join(bin, 'no-python'), ...env },
      timeout: 30_000,
    }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    return { ...result, ms: Date.now() - started };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

test('npm test runs the prerequisite check first, then format and lint; CI runs the README commands', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['test']!, /^node scripts\/prerequisites\.mjs && npm run lint && npm run build && node scripts\/test\.mjs$/);
  assert.match(pkg.scripts['lint']!, /^biome (check|lint) --error-on-warnings \.$/);
  const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
  assert.match(ci, /\nnpm ci --no-audit --no-fund\nnpm run typecheck\nnpm test\n$/);
  assert.doesNotMatch(ci, /apt-get/, 'CI installs nothing by itself: npm test does');
});

test('on this machine every prerequisite is there', async () => {
  const { code, stderr } = await promisify(execFile)(process.execPath, [PREREQUISITES]).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  assert.equal(code, 0, stderr);
});

test('with nothing but node, not allowed to install: stops at once naming the exact command', async () => {
  const run = await check({ STREAMERSON_TEST_INSTALL: '0' });
  assert.equal(run.code, 1);
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  assert.ok(run.stderr.includes(`\n  ${sudo}apt-get update && ${sudo}apt-get install -y ${ALL_PACKAGES}\n`), run.stderr);
  assert.ok(run.ms < 10_000, `stopped after ${run.ms} ms`);
});

test('with nothing but node and an apt-get: installs as root, or names the sudo command otherwise', async () => {
  const log = join(mkdtempSync(join(tmpdir(), 'streamerson-apt-')), 'calls');
  writeFileSync(log, '');
  const run = await check({}, (bin) => {
    // An apt-get that records its calls and installs nothing.
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$*" >> ${log}\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
  });
  const calls = readFileSync(log, 'utf8');
  rmSync(join(log, '..'), { recursive: true, force: true });
  assert.equal(run.code, 1);
  if (process.getuid?.() === 0) {
    assert.equal(calls, `update -qq\ninstall -y -qq ${ALL_PACKAGES}\n`);
    assert.match(run.stderr, new RegExp(`still missing after apt-get: ${ALL_PACKAGES}`));
  } else {
    assert.equal(calls, '', 'nothing is installed without root');
    assert.ok(run.stderr.includes(`\n  sudo apt-get update && sudo apt-get install -y ${ALL_PACKAGES}\n`), run.stderr);
  }
});

test('every locked dependency runs on the Node version the workspace states', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lowest = semver.minVersion(pkg.engines.node)!;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
  const refused = Object.entries(lock.packages)
    .filter(([, p]) => typeof p.engines?.node === 'string' && !semver.satisfies(lowest, p.engines.node))
    .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')} needs node ${p.engines!.node}`);
  assert.deepEqual(refused, [], `node ${lowest.version} (engines of package.json) is refused by some dependencies`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.ok(readme.includes(`Node.js ≥ ${lowest.version.replace(/\.0$/, '')}`), 'the README states the same version');
});

test('npm ci runs the install scripts of every locked dependency that has one: each is allowed in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript === true)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  assert.ok(withScripts.length > 0, 'the lock has dependencies with install scripts');
  assert.deepEqual(
    withScripts.filter((name) => pkg.allowScripts?.[name] !== true),
    [],
    'not covered by allowScripts: npm ci would warn',
  );
});
