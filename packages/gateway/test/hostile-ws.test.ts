/**
 * Hostile WebSocket clients against a gateway process, on memory:// and on a
 * real Redis: every op and every field of a frame driven with hostile values.
 * The process never exits, every error answer is the coded envelope without
 * internal text, and a well-behaved client on another socket stays served.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { killNodeProcesses, startRedis, type NodeProcess, type RedisServer } from '@streamerson/testkit';
import { assertAlive, assertCoded, assertMemoryBack, memoryOf, deepArray, deepObject, HOSTILE_TOPIC, hostileGateway } from './hostile.js';
import { TestSocket, type Frame } from './ws-client.js';

/** A frame and whether it must be refused (`error`) or may be served (`any`). */
interface Case {
  readonly what: string;
  /** The frame's text; `ID` is replaced by the case's own id. */
  readonly text: string;
  readonly expect: 'error' | 'any';
}

const T = JSON.stringify(HOSTILE_TOPIC);
const frame = (fields: string): string => `{"id":"ID",${fields}}`;

/** Values a string field should never accept, as JSON text. */
const NOT_STRINGS = ['null', '1', '-1e309', 'true', '[]', '{}', '["a"]', '{"__proto__":{"x":1}}', deepArray(2_000)];
/** Topic names that are refused. */
const BAD_TOPICS = ['""', '"bad topic"', `"${'t'.repeat(1_000)}"`, '"_reply:someone"', '"forbidden"', '"\\u0000"', '"é"', '"a\\nb"', ...NOT_STRINGS];

function cases(): Case[] {
  const out: Case[] = [];
  const add = (what: string, text: string, expect: Case['expect'] = 'error'): void => void out.push({ what, text, expect });
  // Whole frames.
  for (const text of ['', ' ', 'x', '{', '{"op":', 'null', '1', '"s"', '[]', 'true', '\u0000', '\uffff', deepArray(10_000), deepObject(10_000)])
    add(`frame ${JSON.stringify(text.slice(0, 20))}`, text);
  // id.
  for (const id of ['{}', '[]', 'true', 'null', `"${'i'.repeat(200)}"`, deepArray(100)])
    add(`id ${id.slice(0, 20)}`, `{"op":"request","id":${id},"topic":${T},"type":"echo"}`);
  // op.
  for (const op of ['"FOO"', '"__proto__"', '"constructor"', '"toString"', '"event"', '"reply"', '"error"', '""', ...NOT_STRINGS])
    add(`op ${op.slice(0, 20)}`, frame(`"op":${op},"topic":${T}`));
  add('op missing', frame(`"topic":${T}`));
  // topic, for each op.
  for (const op of ['request', 'publish', 'subscribe', 'unsubscribe']) {
    for (const topic of BAD_TOPICS) add(`${op} topic ${topic.slice(0, 20)}`, frame(`"op":"${op}","topic":${topic},"type":"echo"`));
    add(`${op} topic missing`, frame(`"op":"${op}","type":"echo"`));
  }
  // type.
  for (const op of ['request', 'publish']) {
    for (const type of [...NOT_STRINGS, `"${'y'.repeat(1_000)}"`]) add(`${op} type ${type.slice(0, 20)}`, frame(`"op":"${op}","topic":${T},"type":${type}`));
    for (const type of ['"__proto__"', '"constructor"', '"no such type"', '"\\u0000"'])
      add(`${op} type ${type}`, frame(`"op":"${op}","topic":${T},"type":${type},"timeout":200`), 'any');
  }
  // payload and body: too deep, polluting, large.
  for (const op of ['request', 'publish']) {
    for (const payload of [deepArray(65), deepObject(65), deepArray(10_000), deepObject(10_000), `[${deepArray(100)},1]`])
      add(`${op} payload ${payload.length} chars deep`, frame(`"op":"${op}","topic":${T},"type":"echo","payload":${payload}`));
    for (const payload of [
      deepArray(64),
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}}}',
      `"${'p'.repeat(200_000)}"`,
      '-0',
      '1e308',
      '"\\ud800"',
    ]) {
      add(`${op} payload ${payload.slice(0, 20)}`, frame(`"op":"${op}","topic":${T},"type":"echo","payload":${payload}`), 'any');
    }
  }
  // timeout.
  for (const timeout of ['0', '-5', '1.5', '"100"', '1e309', 'null', '{}', '[]'])
    add(`timeout ${timeout}`, frame(`"op":"request","topic":${T},"type":"echo","timeout":${timeout}`));
  for (const timeout of ['1', '9007199254740993', '1e300'])
    add(`timeout ${timeout}`, frame(`"op":"request","topic":${T},"type":"echo","timeout":${timeout}`), 'any');
  // from.
  for (const from of ['"x"', '"-"', '"$"', '"+"', '"1-"', '"-1-0"', '"1-1-1"', '" 1-0"', '"99999999999999999999999-0"', ...NOT_STRINGS]) {
    add(`from ${from.slice(0, 20)}`, frame(`"op":"subscribe","topic":${T},"from":${from}`));
  }
  // route requests: method, target, body.
  const route = (r: string, extra = ''): string => frame(`"op":"request","route":${JSON.stringify(r)}${extra}`);
  for (const method of ['FOO', 'CONNECT', 'TRACE', 'PROPFIND', 'M-SEARCH', 'get\u0000', '', ' ', '__proto__', 'G\u00e9T'])
    add(`route method ${JSON.stringify(method)}`, route(`${method} /hello/x`));
  for (const target of [
    '',
    'x',
    '*',
    'http://evil/hello/x',
    '/\\evil.com/hello/x',
    '//evil.com/hello/x',
    '/%',
    '/%zz',
    '/hello/%ff%fe',
    '/hello/%c0%af',
    '/h\u00e9llo',
    '/hello/x y',
    '/hello/\u0000',
    `/hello/${'a'.repeat(150)}`,
    `/${'a'.repeat(3_000)}`,
    '/ws',
    '/metrics',
    '/openapi.json',
    '/events/hostile',
    '/nowhere',
    '/hello/x/../../metrics',
    '/body?__proto__[x]=1',
  ]) {
    add(`route target ${JSON.stringify(target.slice(0, 30))}`, route(`GET ${target}`));
  }
  for (const r of [5, null, {}, [], 'GET', ' /x']) add(`route ${JSON.stringify(r)}`, frame(`"op":"request","route":${JSON.stringify(r)}`));
  for (const body of [deepArray(65), deepObject(10_000), '{"__proto__":{"polluted":true}}', '"not an object"', 'null']) {
    add(`route body ${body.slice(0, 20)}`, route('POST /body', `,"body":${body}`), body.length > 100 ? 'error' : 'any');
  }
  add('route request without id', '{"op":"request","route":"GET /hello/x"}');
  // Operations out of place.
  add('unsubscribe without a subscription', frame(`"op":"unsubscribe","topic":${T}`));
  add('request without id', `{"op":"request","topic":${T},"type":"echo"}`);
  return out;
}

/** Sends each case, waits for its answer (or, when it has no usable id, for the answer to a marker frame after it). */
async function attack(proc: NodeProcess, socket: TestSocket, all: readonly Case[]): Promise<number> {
  let refused = 0;
  for (let n = 0; n < all.length; n++) {
    const c = all[n]!;
    const id = `h${n}`;
    const before = socket.frames.length;
    socket.send(c.text.replace('"ID"', JSON.stringify(id)));
    // Frames are answered in order of arrival when they are refused before any I/O: the marker's answer comes after.
    const marker = await socket.call({ op: 'unsubscribe', id: `m${n}`, topic: 'never-subscribed' }).catch((err: unknown) => {
      assertAlive(proc);
      throw err;
    });
    assert.equal(marker['error']?.code, 'ERR_STREAMERSON_NOT_FOUND', `${c.what}: marker answered ${JSON.stringify(marker)}`);
    const answer: Frame | undefined = c.text.includes('"ID"')
      ? await socket.next((f) => f['id'] === id)
      : socket.frames.slice(before).find((f) => f['op'] === 'error' && f['id'] === undefined);
    assert.ok(answer !== undefined, `${c.what}: no answer`);
    if (answer['op'] === 'error') {
      assertCoded(answer['error'], c.what);
      refused++;
    } else {
      assert.equal(c.expect, 'any', `${c.what}: served as ${JSON.stringify(answer).slice(0, 200)}`);
    }
  }
  return refused;
}

for (const engine of ['memory', 'redis'] as const) {
  describe(`hostile WebSocket clients (${engine})`, () => {
    let redis: RedisServer | undefined;
    let proc: NodeProcess;
    let base: string;
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
      ({ proc, base } = await hostileGateway(redis?.url ?? 'memory://'));
    });
    after(async () => {
      await killNodeProcesses();
      await redis?.stop();
    });

    it('every op and field with hostile values: coded errors, the process stays up, another client stays served', async () => {
      const start = await memoryOf(proc);
      const all = cases();
      const ws = `${base.replace('http', 'ws')}/ws`;
      const [attacker, good] = await Promise.all([TestSocket.open(ws), TestSocket.open(ws)]);
      let served = 0;
      let stop = false;
      const polite = (async () => {
        while (!stop) {
          const answer = await good.call({ op: 'request', id: `g${served}`, topic: HOSTILE_TOPIC, type: 'echo', payload: { n: served } });
          assert.deepEqual(answer['payload'], { n: served });
          served++;
        }
      })();
      let refused: number;
      try {
        refused = await attack(proc, attacker, all);
      } finally {
        stop = true;
        await polite;
      }
      assertAlive(proc);
      assertMemoryBack(start, await memoryOf(proc), 'after the attack');
      assert.ok(refused >= all.filter((c) => c.expect === 'error').length, `${refused} refused`);
      assert.ok(served > 0, 'the other client was served');
      assert.equal(attacker.closeCode, undefined, 'the attacker socket stayed open');
      const res = await fetch(`${base}/hello/still-here`);
      assert.deepEqual(await res.json(), { hello: 'still-here' });
      attacker.close();
      good.close();
    });
  });
}
