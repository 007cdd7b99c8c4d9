/**
 * top on real terminals (tmux) of 80×24 and 160×24: the title, the header and
 * the footer stay, columns adapt, rows scroll with a position, help, the
 * consumers of a group, totals of what the filter shows, Ctrl-C exits 130;
 * `--once` through a pipe is plain text; live workers count as online on
 * Redis 7.0, whose idle time stops when nothing is delivered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, type Engine } from '@streamerson/core';
import { Service } from '@streamerson/service';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { cli } from './cli.js';
import { terminal } from './terminal.js';

function fill(engine: Engine, stream: string, n: number): Promise<(string | null)[]> {
  return engine.appendBatch(Array.from({ length: n }, (_, i) => ({ stream, fields: encodeMessage({ payload: { i } }) })));
}

describe('top on a terminal', () => {
  let redis: RedisServer;
  let engine: Engine;
  let url: string;
  const prefix = uniqueName('scr');
  before(async () => {
    redis = await startRedis();
    url = redis.url;
    engine = await connect(url);
    // 40 topics, the first with a group of two consumers.
    for (let i = 0; i < 40; i++) await fill(engine, `${prefix}.topic-with-a-rather-long-name-${String(i).padStart(2, '0')}`, i + 1);
    const first = `${prefix}.topic-with-a-rather-long-name-00`;
    await engine.createGroup(first, 'workers', '0');
    await engine.readGroup('workers', 'alice', [{ stream: first, after: '>' }], { count: 1 });
  });
  after(async () => {
    await engine.close();
    await redis.stop();
  });

  test('80×24: title, header and footer stay in place, columns fit, rows scroll with a position', async () => {
    const t = await terminal(['top', prefix, '--sort', 'name', '--interval', '300ms'], url, 80, 24);
    try {
      let lines = await t.until('the first frame', (l) => l.some((x) => x.includes('rows 1-')));
      assert.equal(lines.length, 24);
      assert.match(lines[0]!, /^streamerson top — redis:\/\/127\.0\.0\.1:\d+ — \d\d:\d\d:\d\d {3}sort: name ↑/);
      assert.match(lines[1]!, /^ {2}TOPIC +SHARDS +LENGTH +MSG\/S +MSG\/S 1m +B\/S +LAG +LAST +DLQ$/, 'the header on one line, LAST and DLQ in it');
      assert.ok(
        lines.every((l) => l.length <= 80),
        'nothing wraps',
      );
      assert.match(lines[2]!, /^> /, 'the first row is selected');
      assert.match(lines[22]!, /^TOTAL 40 topics {2}length 820 /);
      assert.match(lines[23]!, /^rows 1-20 of 41 {2}\? help {2}q quit/);
      await t.keys('End');
      lines = await t.until('the last rows', (l) => l[23]!.startsWith('rows 22-41 of 41'));
      assert.match(lines[21]!, /^> \S+ +1 +40 /, 'the last row (the topic of 40 entries) selected and shown, its name cut to fit');
      assert.match(lines[0]!, /^streamerson top/, 'the title stays');
      await t.keys('PageUp');
      await t.until('a page up', (l) => l[23]!.startsWith('rows 11-30 of 41'));
      await t.keys('Home', 'Down', 'Down');
      await t.until('the third row selected', (l) => /^> \S+ +1 +2 /.test(l[4]!));
      await t.keys('q');
      assert.equal(await t.exitStatus(), 0);
    } finally {
      await t.close();
    }
  });

  test('160×24: every column, topic names whole; help; a group expanded to its consumers; Ctrl-C exits 130', async () => {
    const t = await terminal(['top', prefix, '--sort', 'name', '--idle-after', '1h', '--interval', '300ms'], url, 160, 24);
    try {
      let lines = await t.until('the first frame', (l) => l.some((x) => x.includes('rows 1-')));
      assert.match(lines[1]!, /TOPIC +SHARDS +LENGTH +MSG\/S +MSG\/S 1m +B\/S +B\/S 1m +LAG +LAST +DLQ$/);
      assert.match(lines[2]!, new RegExp(`^> ${prefix}\\.topic-with-a-rather-long-name-00 +1 +1 `), 'the name not cut');
      assert.match(lines[3]!, /└ group workers {2}lag 0 {2}pending 1 {2}consumers 1 online \/ 0 idle/);
      await t.keys('?');
      lines = await t.until('the help screen', (l) => l[0] === 'streamerson top — keys');
      assert.ok(lines.some((l) => /Enter →\s+show or hide the consumers/.test(l)));
      await t.keys('x');
      await t.until('the table again', (l) => l.some((x) => x.includes('rows 1-')));
      await t.keys('Down', 'Enter');
      lines = await t.until('the consumers of the group', (l) => l.some((x) => x.includes('· alice')));
      assert.ok(lines.some((l) => /· alice {2}pending 1 {2}idle \d+(ms|s) {2}online/.test(l)));
      // Not "39" alone: the prefix (pid, random hex) may hold it, and the filter would match every topic.
      await t.keys('/', 'name-39', 'Enter');
      lines = await t.until('the filtered totals', (l) => l.some((x) => x.startsWith('TOTAL 1 topic ')));
      assert.ok(
        lines.some((l) => /^TOTAL 1 topic {2}length 40 /.test(l)),
        'totals count only what the filter shows',
      );
      await t.keys('C-c');
      assert.equal(await t.exitStatus(), 130);
    } finally {
      await t.close();
    }
  });

  test("--once through a pipe is plain text with every group's consumers: no escape codes, no keys line", async () => {
    const r = await cli(['top', `${prefix}.topic-with-a-rather-long-name-00`, '--once', '--interval', '100ms'], { url });
    assert.equal(r.code, 0, r.stderr);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no terminal escape sequence (ESC) in piped output.
    assert.doesNotMatch(r.stdout, /\x1b/);
    assert.doesNotMatch(r.stdout, /q quit/);
    assert.match(r.stdout, /└ group workers/);
    assert.match(r.stdout, /· alice {2}pending 1/);
    assert.match(r.stdout, /\nTOTAL 1 topic {2}/);
  });
});

describe('top and workers that wait (Redis 7.0 counts idle time from the last delivery)', () => {
  let redis: RedisServer;
  let engine: Engine;
  before(async () => {
    redis = await startRedis();
    engine = await connect(redis.url);
  });
  after(async () => {
    await engine.close();
    await redis.stop();
  });

  test('a running service member is online however long its topic is quiet; a member that stopped is idle', async () => {
    const topic = uniqueName('quiet');
    // A consumer that read once and went away, before the service started.
    await engine.append(topic, encodeMessage({ type: 'x', payload: 0 }));
    await engine.createGroup(topic, 'quiet-svc', '0');
    await engine.readGroup('quiet-svc', 'gone-1', [{ stream: topic, after: '>' }], { count: 1 });
    const svc = new Service(engine, { name: 'quiet-svc', topic, consumer: 'live-1', blockMs: 100 }).handle('x', () => 'ok');
    await svc.start();
    try {
      await engine.append(topic, encodeMessage({ type: 'x', payload: 1 }));
      await waitFor(async () => (await engine.info(topic))!.groups[0]!.lag === 0, { what: 'the message delivered to the service' });
      const r = await cli(['top', topic, '--once', '--json', '--interval', '300ms', '--idle-after', '200ms'], { url: redis.url });
      assert.equal(r.code, 0, r.stderr);
      const [group] = (
        JSON.parse(r.stdout) as { topics: { groups: { consumersOnline: number; consumersIdle: number; consumers: { name: string; online: boolean }[] }[] }[] }
      ).topics[0]!.groups;
      assert.deepEqual(group!.consumers.map((c) => [c.name, c.online]).sort(), [
        ['gone-1', false],
        ['live-1', true],
      ]);
      assert.equal(group!.consumersOnline, 1);
      assert.equal(group!.consumersIdle, 1);
    } finally {
      await svc.close();
    }
  });
});
