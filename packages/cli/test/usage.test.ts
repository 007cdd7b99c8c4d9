/** Help, usage errors and exit codes; the pure parsers of arguments. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cli } from './cli.js';
import { parseDuration } from '../src/args/duration.js';
import { parseEndpoint } from '../src/args/endpoint.js';
import { parseFrom } from '../src/args/from.js';

// Nothing listens here: commands that fail before connecting never notice.
const url = 'redis://127.0.0.1:1';

const COMMANDS = [
  ['produce'],
  ['tap'],
  ['flux'],
  ['request'],
  ['publish'],
  ['ls'],
  ['info'],
  ['trim'],
  ['dlq'],
  ['dlq', 'ls'],
  ['dlq', 'show'],
  ['dlq', 'replay'],
  ['dlq', 'purge'],
  ['relay'],
  ['graph'],
  ['top'],
  ['replay'],
  ['state'],
  ['state', 'ls'],
  ['state', 'get'],
  ['state', 'history'],
  ['state', 'watch'],
];

describe('command line usage', () => {
  test('--help works on every command and exits 0', async () => {
    // Four at a time: a loaded machine starting sixteen Node processes at once is slower than this.
    const results = [];
    for (let i = 0; i < COMMANDS.length; i += 4) {
      results.push(...(await Promise.all(COMMANDS.slice(i, i + 4).map((c) => cli([...c, '--help'], { url, timeoutMs: 30_000 })))));
    }
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `${COMMANDS[i]!.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: streamerson ${COMMANDS[i]!.join(' ')}`));
      assert.match(r.stdout, /\nGlobal Options:\n[\s\S]*\n {2}--url <url> /, `${COMMANDS[i]!.join(' ')} --help shows the global --url`);
      assert.match(r.stdout, /\nExamples:\n {2}streamerson /, `${COMMANDS[i]!.join(' ')} --help has examples`);
    });
    const version = await cli(['--version'], { url });
    assert.equal(version.stdout, `${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`);
    const top = await cli(['--help'], { url });
    for (const [c] of COMMANDS) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
    assert.match(top.stdout, /\nExamples:\n {2}printf '\{"sku":"A-1"\}\\n' \| streamerson produce orders/);
  });

  test('the installed bin runs as a program (npx streamerson)', async () => {
    const bin = fileURLToPath(new URL('../../../../node_modules/.bin/streamerson', import.meta.url));
    const { stdout } = await promisify(execFile)(bin, ['--version']);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('usage mistakes exit 2 with ERR_STREAMERSON_USAGE on stderr', async () => {
    const cases = [['produce'], ['nope'], ['tap', 'x', '--format', 'xml'], ['produce', 'x', '--rate', '-1'], ['produce', 'bad topic!'], ['top', '--json']];
    for (const args of cases) {
      const r = await cli(args, { url });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^streamerson: ERR_STREAMERSON_USAGE: /, args.join(' '));
      assert.equal(r.stdout, '');
    }
    const bare = await cli([], { url });
    assert.equal(bare.code, 2, 'streamerson without a command is a usage mistake');
    assert.equal(bare.stdout, '');
    assert.match(
      bare.stderr,
      /^Usage: streamerson \[options\] \[command\]\n[\s\S]*\n {2}produce [\s\S]*\nstreamerson: ERR_STREAMERSON_USAGE: a command is needed \(the commands are listed above\)\n$/,
    );
    const badUrl = await cli(['ls', '--url', 'ftp://x'], { url });
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /ERR_STREAMERSON_INVALID_URL/);
  });

  test('an engine that cannot be reached exits 1 with a connection error', async () => {
    const r = await cli(['ls'], { url, timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^streamerson: ERR_STREAMERSON_CONNECTION: /);
  });

  test('--from, durations and relay endpoints parse as documented', () => {
    const now = 1_700_000_000_000;
    assert.deepEqual(parseFrom('beginning'), { kind: 'beginning' });
    assert.deepEqual(parseFrom('latest'), { kind: 'latest' });
    assert.deepEqual(parseFrom('1700000000000-5'), { kind: 'id', id: '1700000000000-5' });
    assert.deepEqual(parseFrom('1700000000000'), { kind: 'id', id: '1700000000000-0' });
    assert.deepEqual(parseFrom('5m', now), { kind: 'id', id: `${now - 300_000}-0` });
    assert.deepEqual(parseFrom('2023-11-14T22:13:20.000Z'), { kind: 'id', id: `${now}-0` });
    assert.throws(() => parseFrom('soon'), { code: 'ERR_STREAMERSON_USAGE' });
    assert.equal(parseDuration('1h30m', 'x'), 5_400_000);
    assert.equal(parseDuration('250ms', 'x'), 250);
    assert.equal(parseDuration('1.5s', 'x'), 1500);
    assert.throws(() => parseDuration('5', '--older-than'), /--older-than expects a duration/);
    assert.deepEqual(parseEndpoint('redis://h:1/orders', '--from'), { url: 'redis://h:1', topic: 'orders' });
    assert.deepEqual(parseEndpoint('redis://:pw@h:1/2/a/b', '--from'), { url: 'redis://:pw@h:1/2', topic: 'a/b' });
    assert.deepEqual(parseEndpoint('redis+cluster://h:1,h:2/t', '--to'), { url: 'redis+cluster://h:1,h:2', topic: 't' });
    assert.throws(() => parseEndpoint('redis://h:1', '--to'), { code: 'ERR_STREAMERSON_USAGE' });
  });
});
