/**
 * Progress on a terminal (tmux): `produce` reading lines typed into the terminal
 * draws no progress line over them; `relay` shows its progress and ends with its
 * rate. Through pipes neither draws anything.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { PROGRESS_INTERVAL_MS } from '../src/produce/progress.js';
import { cli, PROCESS_WAIT_MS } from './cli.js';
import { terminal } from './terminal.js';

describe('progress on a terminal', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
  });
  after(async () => {
    await engine.close();
    await redis.stop();
  });

  test('produce from lines typed into the terminal: a note, the lines as typed, no progress over them, "1 message"', async () => {
    const topic = uniqueName('typed');
    const t = await terminal(['produce', topic], url, 100, 10);
    try {
      const note = `streamerson: reading lines for ${topic} from the terminal; Ctrl-D ends`;
      await t.until('the note', (l) => l[0] === note);
      await t.keys('{"n":1}', 'Enter');
      await waitFor(async () => (await engine.length(topic)) === 1, { what: 'the typed line written', timeoutMs: PROCESS_WAIT_MS });
      await t.keys('{"n":');
      await t.until('the second line being typed', (l) => l[2] === '{"n":');
      // Not a synchronisation: the window in which a progress line (redrawn every 250 ms) would show.
      const since = Date.now();
      await waitFor(() => Date.now() - since > 4 * PROGRESS_INTERVAL_MS, { what: 'four progress intervals' });
      assert.deepEqual((await t.screen()).slice(0, 3), [note, '{"n":1}', '{"n":'], 'what the user types stays as typed');
      await t.keys('C-u', 'C-d');
      assert.equal(await t.exitStatus(), 0);
      const lines = await t.screen();
      assert.deepEqual(lines.slice(0, 2), [note, '{"n":1}']);
      assert.match(lines[2]!, new RegExp(`^produced 1 message to ${topic} in \\d+\\.\\d\\d s \\(\\d+ msg/s\\)$`));
      assert.equal(await engine.length(topic), 1);
    } finally {
      await t.close();
    }
  });

  test('relay --follow on a terminal shows entries copied and their rate, and its summary the rate', async () => {
    const topic = uniqueName('src');
    const copy = uniqueName('dst');
    await engine.appendBatch(Array.from({ length: 300 }, (_, i) => ({ stream: topic, fields: encodeMessage({ payload: i }) })));
    const t = await terminal(['relay', '--from', `${url}/${topic}`, '--to', `${url}/${copy}`, '--follow'], url, 100, 10);
    try {
      await t.until('the progress line', (l) => /^300 entries, \d+\/s$/.test(l[0]!));
      await engine.append(topic, encodeMessage({ payload: 'later' }));
      await t.until('the progress of a later entry', (l) => /^301 entries, \d+\/s$/.test(l[0]!));
      await t.keys('C-c');
      assert.equal(await t.exitStatus(), 130);
      const lines = await t.screen();
      assert.match(
        lines[0]!,
        new RegExp(`^relayed 301 entries from ${topic} to ${copy} in \\d+\\.\\d\\d s \\(\\d+ entries/s\\)$`),
        'the progress line gives way to the summary',
      );
      assert.equal(await engine.length(copy), 301);
    } finally {
      await t.close();
    }

    // Through a pipe: no progress line, the summary alone.
    const piped = await cli(['relay', '--from', `${url}/${topic}`, '--to', `${url}/${uniqueName('piped')}`], { url });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stderr, /^relayed 301 entries from \S+ to \S+ in \d+\.\d\d s \(\d+ entries\/s\)\n$/);
  });
});
