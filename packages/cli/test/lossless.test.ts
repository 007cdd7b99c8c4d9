/**
 * Input and output never lose anything: files that cannot be read are one
 * typed line; entries written by other programs (binary values, fields that
 * look like the protocol's, repeated names) come out exactly and go back in
 * exactly; CSV holds every field of every row.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeMessage } from '@streamerson/core';
import { uniqueName } from '@streamerson/testkit';
import { useCliFixture } from './fixture.js';
import { cli, lines } from './cli.js';

const run = promisify(execFile);
const BINARY = Buffer.from([0x00, 0x01, 0xff, 0xfe, ...Buffer.from('binary')]);

describe('lossless input and output', () => {
  const fx = useCliFixture('streamerson-io-');

  /** `redis-cli -x XADD <stream> * <field>` with `value` on stdin, as another program writes. */
  async function redisCliAdd(stream: string, field: string, value: Buffer): Promise<void> {
    const child = execFile('redis-cli', ['-p', String(fx.redis.port), '-x', 'XADD', stream, '*', field]);
    child.stdin!.end(value);
    await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}`)))));
  }

  test('a file that does not exist, a directory, a file without permission: one typed line each', async () => {
    const topic = uniqueName('files');
    const missing = await cli(['produce', topic, join(fx.dir, 'nonexistent.ndjson')], { url: fx.url });
    assert.equal(missing.code, 6);
    assert.equal(
      missing.stderr,
      `streamerson: ERR_STREAMERSON_NOT_FOUND: cannot read ${join(fx.dir, 'nonexistent.ndjson')}: no such file or directory (ENOENT)\n`,
    );
    const directory = await cli(['produce', topic, fx.dir], { url: fx.url });
    assert.equal(directory.code, 2);
    assert.equal(directory.stderr, `streamerson: ERR_STREAMERSON_USAGE: cannot read ${fx.dir}: is a directory (EISDIR)\n`);
    if (process.getuid?.() !== 0) {
      const locked = join(fx.dir, 'locked.ndjson');
      writeFileSync(locked, '{}\n');
      chmodSync(locked, 0o000);
      const denied = await cli(['produce', topic, locked], { url: fx.url });
      assert.equal(denied.code, 2);
      assert.match(denied.stderr, /^streamerson: ERR_STREAMERSON_USAGE: cannot read .*: permission denied \(EACCES\)\n$/);
    }
    const fifo = await cli(['flux', fx.dir, topic], { url: fx.url });
    assert.equal(fifo.code, 2);
    assert.equal(fifo.stderr, `streamerson: ERR_STREAMERSON_USAGE: cannot create the named pipe ${fx.dir}: File exists\n`);
    assert.equal(await fx.engine.length(topic), 0);
  });

  test('bytes that are not UTF-8 come out as $base64, $hex or $escaped, and produce writes them back exactly', async () => {
    const foreign = uniqueName('foreign');
    await redisCliAdd(foreign, 'blob', BINARY);
    const [entry] = await fx.engine.range(foreign, '-', '+');
    const base64 = JSON.parse((await cli(['tap', foreign], { url: fx.url })).stdout) as Record<string, unknown>;
    assert.deepEqual(base64, {
      id: entry!.id,
      stream: foreign,
      time: new Date(Number(entry!.id.split('-')[0])).toISOString(),
      fields: ['blob', { $base64: BINARY.toString('base64') }],
    });
    const hex = JSON.parse((await cli(['tap', foreign, '--bytes', 'hex', '-p'], { url: fx.url })).stdout) as unknown;
    assert.deepEqual(hex, ['blob', { $hex: '0001fffe62696e617279' }]);
    const escaped = (await cli(['tap', foreign, '--bytes', 'escape', '-p'], { url: fx.url })).stdout;
    assert.equal(escaped, '["blob",{"$escaped":"\\\\x00\\\\x01\\\\xff\\\\xfebinary"}]\n');

    for (const style of ['base64', 'hex', 'escape']) {
      const copy = uniqueName(`copy-${style}`);
      const tapped = (await cli(['tap', foreign, '--bytes', style], { url: fx.url })).stdout;
      const produced = await cli(['produce', copy], { url: fx.url, input: tapped });
      assert.equal(produced.code, 0, produced.stderr);
      const [copied] = await fx.engine.range(copy, '-', '+');
      assert.deepEqual(copied!.fields, [Buffer.from('blob'), BINARY], `${style}: the same bytes`);
    }
  });

  test('binary and text payloads of messages survive tap | produce, with their content type', async () => {
    const topic = uniqueName('payloads');
    await fx.engine.appendBatch([
      { stream: topic, fields: encodeMessage({ type: 'bin', payload: BINARY }) },
      { stream: topic, fields: encodeMessage({ type: 'txt', payload: 'plain text', contentType: 'text', source: 'src-1' }) },
      { stream: topic, fields: encodeMessage({ type: 'req', id: 'm-1', replyTo: '_replies', payload: { a: 1 } }) },
      { stream: topic, fields: encodeMessage({ type: 'pack', payload: { n: 1, s: 'x' }, contentType: 'msgpack' }) },
    ]);
    const envelopes = lines((await cli(['tap', topic], { url: fx.url })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(envelopes[0]!['payload'], { $base64: BINARY.toString('base64') });
    assert.equal(envelopes[0]!['contentType'], 'binary');
    assert.equal(envelopes[1]!['payload'], 'plain text');
    assert.equal(envelopes[1]!['contentType'], 'text');
    assert.equal(envelopes[1]!['source'], 'src-1');
    assert.equal(envelopes[2]!['messageId'], 'm-1');
    assert.equal(envelopes[2]!['replyTo'], '_replies');
    assert.equal(envelopes[2]!['contentType'], undefined, 'json is the default and not written');
    assert.deepEqual(envelopes[3]!['payload'], { n: 1, s: 'x' });
    assert.equal(envelopes[3]!['contentType'], 'msgpack');

    const copy = uniqueName('copy');
    assert.equal((await cli(['produce', copy], { url: fx.url, input: lines((await cli(['tap', topic], { url: fx.url })).stdout).join('\n') })).code, 0);
    const original = await fx.engine.range(topic, '-', '+');
    const copied = await fx.engine.range(copy, '-', '+');
    assert.deepEqual(
      copied.map((e) => e.fields),
      original.map((e) => e.fields),
      'every field byte for byte',
    );
  });

  test("a foreign entry with fields v and p that is a message by the protocol's rules is shown as one; --raw shows every entry field by field", async () => {
    const foreign = uniqueName('vp');
    await fx.engine.append(foreign, ['v', '1', 'p', '2']);
    await fx.engine.append(foreign, ['v', '1', 'p', 'not json']);
    await fx.engine.append(foreign, ['p', '1', 'v', '1']);
    await fx.engine.append(foreign, ['a', '1', 'a', '2', 'b', 'x']);
    const decoded = lines((await cli(['tap', foreign], { url: fx.url })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(decoded[0]!['payload'], 2, 'v 1 p 2 is a v1 message: payload 2');
    assert.deepEqual(decoded[1]!['fields'], ['v', '1', 'p', 'not json'], 'a payload that is not JSON: not a message, shown raw');
    assert.deepEqual(decoded[2]!['fields'], ['p', '1', 'v', '1'], 'v not first: not a message');
    assert.deepEqual(decoded[3]!['fields'], ['a', '1', 'a', '2', 'b', 'x'], 'a repeated name keeps both values, in order');
    const raw = lines((await cli(['tap', foreign, '--raw'], { url: fx.url })).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      raw.map((r) => r['fields']),
      [
        ['v', '1', 'p', '2'],
        ['v', '1', 'p', 'not json'],
        ['p', '1', 'v', '1'],
        ['a', '1', 'a', '2', 'b', 'x'],
      ],
    );
    const redisCli = (await run('redis-cli', ['-p', String(fx.redis.port), 'XRANGE', foreign, '-', '+'])).stdout
      .split('\n')
      .filter((l) => !/^\d+-\d+$/.test(l) && l !== '');
    assert.deepEqual(
      raw.flatMap((r) => r['fields'] as string[]),
      redisCli,
      'the same fields as redis-cli shows',
    );
  });

  test('CSV has a column for every field of every row, or exactly --fields', async () => {
    const topic = uniqueName('csvunion');
    await fx.engine.appendBatch([{ a: 1 }, { b: 'two' }, { a: 3, c: 'x,y' }].map((payload) => ({ stream: topic, fields: encodeMessage({ payload }) })));
    assert.equal((await cli(['tap', topic, '--format', 'csv', '-p'], { url: fx.url })).stdout, 'a,b,c\n1,,\n,two,\n3,,"x,y"\n');
    const withEnvelope = lines((await cli(['tap', topic, '--format', 'csv'], { url: fx.url })).stdout);
    assert.equal(withEnvelope[0], 'id,stream,time,type,a,b,c');
    assert.equal(withEnvelope.length, 4);
    assert.equal((await cli(['tap', topic, '--format', 'csv', '-p', '--fields', 'c,a'], { url: fx.url })).stdout, 'c,a\n,1\n,\n"x,y",3\n');
    assert.equal(
      (await cli(['tap', topic, '--format', 'csv', '-p', '--count', '2'], { url: fx.url })).stdout,
      'a,b\n1,\n,two\n',
      'the union of what is written',
    );
    const usage = await cli(['tap', topic, '--fields', 'a'], { url: fx.url });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--fields goes with --format csv/);
  });

  test('CSV of a followed topic: a field that appears later starts a new header block, nothing is dropped', async () => {
    const topic = uniqueName('csvfollow');
    await fx.engine.append(topic, encodeMessage({ payload: { a: 1 } }));
    const result = cli(['tap', topic, '--format', 'csv', '-p', '--follow', '--count', '2'], { url: fx.url });
    await fx.engine.append(topic, encodeMessage({ payload: { a: 2, b: 3 } }));
    assert.equal((await result).stdout, 'a\n1\n\na,b\n2,3\n');
  });
});
