import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STAGE = new URL('./fixtures/stage.js', import.meta.url).pathname;
const WORKER = new URL('./fixtures/worker.js', import.meta.url).pathname;

interface Line {
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly messageId?: string;
  readonly headers: Record<string, string>;
  readonly payload: unknown;
}

/** Runs a shell pipeline; resolves its stdout lines as JSON and its stderr. */
async function pipeline(command: string): Promise<{ lines: Line[]; stderr: string }> {
  const { stdout, stderr } = await run('/bin/sh', ['-c', command], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return {
    lines: stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line),
    stderr,
  };
}

describe('stdio:// in a Unix pipe', () => {
  it('two processors in a pipe: every stdin line goes through both stages once, in order', async () => {
    const count = 3_000;
    const input = Array.from({ length: count }, (_, n) => JSON.stringify({ n })).join('\n');
    const { lines, stderr } = await pipeline(
      `printf '%s\\n' '${input.replaceAll('\n', "' '")}' | node ${STAGE} stdin doubled 2 0 | node ${STAGE} doubled out 1 1`,
    );
    assert.equal(stderr, '');
    assert.equal(lines.length, count);
    lines.forEach((line, n) => {
      assert.equal(line.stream, 'out');
      assert.equal(line.type, 'stage');
      assert.deepEqual(line.payload, { n: 2 * n + 1 });
      assert.match(line.id, /^\d+-\d+$/);
    });
  });

  it('a bad line is reported on stderr with its number and skipped; the others go through', async () => {
    const { lines, stderr } = await pipeline(`printf '{"n":1}\\nnot json\\n{"n":3}\\n' | node ${STAGE} stdin out 1 0`);
    assert.deepEqual(
      lines.map((l) => l.payload),
      [{ n: 1 }, { n: 3 }],
    );
    assert.match(stderr, /^streamerson: ERR_STREAMERSON_BAD_INPUT: stdin line 2: not JSON/);
    assert.equal(stderr.trim().split('\n').length, 1);
  });

  it('a service reads requests from stdin and writes each reply to stdout, correlated by message id', async () => {
    const requests = [1, 2, 3].map((n) => JSON.stringify({ stream: 'math', type: 'square', replyTo: '_reply:pipe', messageId: `req-${n}`, payload: { n } }));
    const { lines, stderr } = await pipeline(`printf '%s\\n' '${requests.join("' '")}' | node ${WORKER}`);
    assert.equal(stderr, '');
    const replies = new Map(lines.filter((l) => l.stream === '_reply:pipe').map((l) => [l.messageId, l.payload]));
    assert.deepEqual(Object.fromEntries(replies), { 'req-1': { square: 1 }, 'req-2': { square: 4 }, 'req-3': { square: 9 } });
    assert.equal(lines.length, 3, 'nothing but the replies on stdout');
  });
});
