/**
 * The reporter `npm test` runs next to TAP (scripts/failures-reporter.mjs):
 * at the end of a run it names each failed test with its file and error, and
 * says nothing when every test passed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPORTER = fileURLToPath(new URL('../../../../scripts/failures-reporter.mjs', import.meta.url));

/** Runs `file` with Node's test runner and the reporter on stderr; its exit code and stderr. */
function runWithReporter(file: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--test', '--test-reporter=tap', '--test-reporter-destination=/dev/null', `--test-reporter=${REPORTER}`, '--test-reporter-destination=stderr', file],
      // Without the runner's own context, which would make the child skip its files as a nested run.
      { env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
      (error, _stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
    );
  });
}

describe('the failures reporter', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamerson-reporter-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names each failed test with its file, line and error, once, and not the suite around it or the tests that passed', async () => {
    const file = join(dir, 'mixed.test.mjs');
    await writeFile(
      file,
      [
        "import { describe, it, test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "describe('a suite', () => { it('passes', () => {}); it('compares wrongly', () => { assert.equal(1, 2); }); });",
        "test('throws its own error', () => { throw new Error('the cause of it'); });",
        '',
      ].join('\n'),
    );
    const { code, stderr } = await runWithReporter(file);
    assert.equal(code, 1);
    assert.match(stderr, /^# 2 failed:$/m);
    assert.match(stderr, new RegExp(`^# ✖ compares wrongly \\(${file.replaceAll('.', '\\.')}:3\\)$`, 'm'));
    assert.match(stderr, /^#\s+AssertionError \[ERR_ASSERTION\]/m);
    assert.match(stderr, /^# ✖ throws its own error \(.*mixed\.test\.mjs:4\)$/m);
    assert.match(stderr, /^#\s+Error: the cause of it$/m);
    assert.doesNotMatch(stderr, /✖ a suite|✖ passes/);
  });

  it('prints nothing when every test passed', async () => {
    const file = join(dir, 'passing.test.mjs');
    await writeFile(file, "import { test } from 'node:test';\ntest('passes', () => {});\n");
    assert.deepEqual(await runWithReporter(file), { code: 0, stderr: '' });
  });
});
