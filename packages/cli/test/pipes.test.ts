/** Named pipes (flux, tap --fifo) and stopping by signal, against a real redis-server. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { encodeMessage } from '@streamerson/core';
import { acknowledgedCount, uniqueName, waitFor } from '@streamerson/testkit';
import { useCliFixture } from './fixture.js';
import { cli, finished, lines, PROCESS_WAIT_MS, startCli } from './cli.js';

describe('named pipes and signals', () => {
  const fx = useCliFixture('streamerson-cli-');

  /** Writes to a named pipe the way `echo … > fifo` does: open, write, close. */
  function writeToFifo(path: string, text: string): void {
    const fd = openSync(path, 'w');
    writeSync(fd, text);
    closeSync(fd);
  }

  test('flux turns lines written into its named pipe into messages until stopped, then removes the pipe', async () => {
    const topic = uniqueName('flux');
    const path = join(fx.dir, `${topic}.fifo`);
    const child = startCli(['flux', path, topic], fx.url);
    const done = finished(child);
    await waitFor(() => existsSync(path), { what: 'the named pipe', timeoutMs: PROCESS_WAIT_MS });
    writeToFifo(path, '{"n":1}\n{"n":2}\n');
    writeToFifo(path, '{"n":3}\nnot json\n');
    writeToFifo(path, '{"n":4}\n');
    await waitFor(async () => (await fx.engine.length(topic)) === 4, { what: 'four messages', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGTERM');
    const result = await done;
    assert.equal(result.code, 143);
    assert.match(result.stderr, /skipped ERR_STREAMERSON_BAD_INPUT: line 4/);
    assert.match(result.stderr, /produced 4 messages/);
    assert.equal(existsSync(path), false, 'the pipe is removed on exit');
    assert.deepEqual(lines((await cli(['tap', topic, '-p'], { url: fx.url })).stdout), ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
  });

  test('flux with CSV sends each row as it arrives, with the header from the first write', async () => {
    const topic = uniqueName('fluxcsv');
    const path = join(fx.dir, `${topic}.fifo`);
    const child = startCli(['flux', path, topic, '--format', 'csv', '-q'], fx.url);
    const done = finished(child);
    await waitFor(() => existsSync(path), { what: 'the named pipe', timeoutMs: PROCESS_WAIT_MS });
    writeToFifo(path, 'sku,qty\nA-1,2\n');
    await waitFor(async () => (await fx.engine.length(topic)) === 1, { what: 'the first row before any more input', timeoutMs: PROCESS_WAIT_MS });
    writeToFifo(path, 'B-7,1\n');
    await waitFor(async () => (await fx.engine.length(topic)) === 2, { what: 'the second row', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGTERM');
    assert.equal((await done).code, 143);
    assert.deepEqual(lines((await cli(['tap', topic, '-p'], { url: fx.url })).stdout), ['{"sku":"A-1","qty":"2"}', '{"sku":"B-7","qty":"1"}']);
  });

  test('tap --fifo writes messages into a named pipe, old and new, until stopped', async () => {
    const topic = uniqueName('tapfifo');
    await fx.engine.append(topic, encodeMessage({ payload: 'before' }));
    const path = join(fx.dir, `${topic}.fifo`);
    const child = startCli(['tap', topic, '-p', '--fifo', path], fx.url);
    const done = finished(child);
    await waitFor(() => existsSync(path), { what: 'the named pipe', timeoutMs: PROCESS_WAIT_MS });
    let received = '';
    const reader = createReadStream(path, { encoding: 'utf8' }).on('data', (d) => (received += String(d)));
    await fx.engine.append(topic, encodeMessage({ payload: 'after' }));
    await waitFor(() => received === '"before"\n"after"\n', { what: 'both messages through the pipe', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130);
    assert.equal(existsSync(path), false, 'the pipe is removed on exit');
    reader.destroy();
  });

  test('SIGINT during produce flushes what was read and prints the summary', async () => {
    const topic = uniqueName('sigint');
    const child = startCli(['produce', topic], fx.url);
    const done = finished(child);
    child.stdin!.write('{"n":1}\n{"n":2}\n');
    await waitFor(async () => (await fx.engine.length(topic)) === 2, { what: 'two messages while stdin stays open', timeoutMs: PROCESS_WAIT_MS });
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 130);
    assert.match(result.stderr, /produced 2 messages/);
  });

  test('tap --follow waits for new messages and stops cleanly on SIGTERM', async () => {
    const topic = uniqueName('follow');
    const child = startCli(['tap', topic, '--follow', '--from', 'latest', '-p'], fx.url);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const done = finished(child);
    await waitFor(
      async () => {
        await fx.engine.append(topic, encodeMessage({ payload: 'ping' }));
        return out.includes('"ping"');
      },
      { what: 'a followed message', timeoutMs: PROCESS_WAIT_MS },
    );
    child.kill('SIGTERM');
    assert.equal((await done).code, 143);
  });

  test('SIGTERM to a group tap writing into a reader that does not read stops at once; only what was written is acknowledged', async () => {
    const topic = uniqueName('slow');
    const total = 20_000;
    await fx.engine.appendBatch(Array.from({ length: total }, (_, i) => ({ stream: topic, fields: encodeMessage({ payload: { i, pad: 'x'.repeat(80) } }) })));
    const child = startCli(['tap', topic, '--group', 'g', '--consumer', 'c', '--follow', '-p'], fx.url);
    // The reader reads nothing until the tap is gone: the pipe fills and the tap waits on it. (A listener added
    // after pause() does not resume; Node resumes the stream itself when the child exits.)
    let out = '';
    child.stdout!.pause();
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    // Lines acknowledged: written to the pipe. (A batch merely delivered may not be written yet, and a SIGTERM then finds nothing written.)
    const acknowledged = (): Promise<number> => acknowledgedCount(fx.engine, topic, 'g');
    await waitFor(async () => (await acknowledged()) > 0, { what: 'lines written by the tap', timeoutMs: PROCESS_WAIT_MS });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const stopMs = Date.now() - stoppedAt;
    child.stdout!.resume();
    if (!child.stdout!.closed) await new Promise((resolve) => child.stdout!.once('close', resolve));
    assert.equal(code, 143);
    assert.ok(stopMs < 10_000, `stopped ${stopMs} ms after SIGTERM although its reader never read`);
    assert.ok(out.endsWith('\n'), `no line cut (${out.length} characters read)`);
    const written = lines(out);
    const acked = await acknowledged();
    assert.ok(acked > 0 && acked <= written.length, `acknowledged ${acked}, written ${written.length}`);
    assert.ok(written.length - acked <= 64, 'at most one write of lines went out unacknowledged (they stay pending, delivered again)');
    assert.deepEqual(
      written.map((l) => (JSON.parse(l) as { i: number }).i),
      Array.from({ length: written.length }, (_, i) => i),
      'in order, none lost',
    );
  });
});
