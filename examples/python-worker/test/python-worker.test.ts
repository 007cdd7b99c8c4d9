/**
 * The polyglot proof: a worker written in Python from docs/PROTOCOL.md serves
 * requests of the TypeScript Client over a real redis-server, and the Python
 * codec passes every protocol test vector.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { connect, decodeEntry, encodeMessage, ProtocolError, type Engine, type Message } from '@streamerson/core';
import { Client, RemoteError, deadLetterStream, parseDeadLetter } from '@streamerson/service';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';

const run = promisify(execFile);
/** The example folder (the compiled test runs from dist/test). */
const exampleDir = fileURLToPath(new URL('../../', import.meta.url));
/** redis-py comes from the Debian package, so the system interpreter is the default. */
const PYTHON = process.env['STREAMERSON_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const CONSUMER = 'py-1';

let redis: RedisServer;
let engine: Engine;
let client: Client;
let worker: ChildProcess;
let workerLog = '';
const topic = uniqueName('py-calc');

/** Spawns worker.py and resolves once it printed `ready` (its group exists). */
async function startWorker(url: string, consumer: string): Promise<ChildProcess> {
  const child = spawn(PYTHON, ['-B', 'worker.py', '--url', url, '--topic', topic, '--consumer', consumer, '--block-ms', '200'], {
    cwd: exampleDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    workerLog += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker.py did not start within 10 s:\n${workerLog}`));
    }, 10_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker.py exited with ${code} before it was ready (is redis-py installed for ${PYTHON}?):\n${workerLog}`));
    });
  });
  return child;
}

/** A reply stream owned by the test: it must exist, since workers reply with NOMKSTREAM. */
async function makeReplyStream(): Promise<string> {
  const stream = uniqueName('_reply:py-test');
  const id = await engine.append(stream, encodeMessage({ payload: null }));
  await engine.deleteEntries(stream, [id!]);
  return stream;
}

/** Decodes every entry of a stream; a bad one fails the test. */
async function messagesOf(stream: string): Promise<Message[]> {
  return (await engine.range(stream, '-', '+')).map((entry) => {
    const msg = decodeEntry(stream, entry);
    assert.ok(!(msg instanceof ProtocolError), `reply ${entry.id} is not a v1 message: ${String(msg)}`);
    return msg as Message;
  });
}

interface WorkerStats {
  processed: number;
  expired: number;
  deadLettered: number;
  records: unknown[];
  consumer: string;
}

before(async () => {
  redis = await startRedis();
  worker = await startWorker(redis.url, CONSUMER);
  engine = await connect(redis.url);
  client = new Client(engine, { timeout: 8_000 });
});

after(async () => {
  await client?.close();
  await engine?.close();
  if (worker !== undefined && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await redis?.stop();
});

test('the Python codec passes every protocol test vector, both directions', async () => {
  const { stdout } = await run(PYTHON, ['-B', 'check_vectors.py'], { cwd: exampleDir, timeout: 10_000 });
  const m = /^(\d+)\/(\d+) vectors pass \((\d+) also encode/m.exec(stdout);
  assert.ok(m, `unexpected output: ${stdout}`);
  assert.equal(m[1], m[2]);
  assert.ok(Number(m[2]) >= 30, 'the vector file has its vectors');
  assert.ok(Number(m[3]) >= 15, 'the encode direction ran');
});

test('the Python reader printed in docs/PROTOCOL.md decodes every protocol test vector', async () => {
  const { stdout } = await run(PYTHON, ['-B', 'check_doc_reader.py'], { cwd: exampleDir, timeout: 10_000 });
  const m = /^(\d+)\/(\d+) vectors pass the reader of PROTOCOL.md/m.exec(stdout);
  assert.ok(m, `unexpected output: ${stdout}`);
  assert.equal(m[1], m[2]);
  assert.ok(Number(m[2]) >= 30, 'the vector file has its vectors');
});

test('many concurrent requests of several types and content types are each answered correctly', async () => {
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < 120; i++) {
    tasks.push(client.request(topic, 'add', { a: i, b: i * 0.25 }).then((r) => assert.deepEqual(r, { sum: i + i * 0.25 })));
  }
  for (let i = 0; i < 40; i++) {
    tasks.push(client.request(topic, 'upper', `hello é ${i}`).then((r) => assert.equal(r, `HELLO É ${i}`)));
    tasks.push(client.request(topic, 'upper', `straße 🍣 ${i}`, { contentType: 'text' }).then((r) => assert.equal(r, `STRASSE 🍣 ${i}`)));
    const bytes = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80, i]), randomBytes(16)]);
    tasks.push(client.request(topic, 'echo', bytes).then((r) => assert.deepEqual(r, bytes)));
    const record = { n: i, tags: ['x', 'y'], ok: true, price: 9.99, note: null, name: '山田 🍣' };
    tasks.push(client.request(topic, 'echo', record, { contentType: 'msgpack' }).then((r) => assert.deepEqual(r, record)));
    const unicode = { i, rtl: 'مرحبا بالعالم', cjk: '注文', nested: [1, 'two', { three: 3 }] };
    tasks.push(client.request(topic, 'echo', unicode).then((r) => assert.deepEqual(r, unicode)));
    tasks.push(client.request(topic, 'divide', { a: i, b: 4 }).then((r) => assert.deepEqual(r, { quotient: i / 4 })));
    tasks.push(
      client.request(topic, 'divide', { a: i, b: 0 }).then(
        () => assert.fail('dividing by zero must fail'),
        (err: unknown) => {
          assert.ok(err instanceof RemoteError);
          assert.equal(err.errorCode, 'DIVISION_BY_ZERO');
          assert.deepEqual(err.details, { dividend: i });
        },
      ),
    );
  }
  await Promise.all(tasks);
  assert.equal(client.stats().unknownReplies, 0);
  assert.equal(client.stats().badReplies, 0);
});

test('error replies surface as RemoteError with status, errorCode and a safe message', async () => {
  await assert.rejects(client.request(topic, 'divide', { a: 7, b: 0 }), (err: unknown) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.code, 'ERR_STREAMERSON_REMOTE');
    assert.equal(err.status, 422);
    assert.equal(err.errorCode, 'DIVISION_BY_ZERO');
    assert.equal(err.message, 'cannot divide by zero');
    assert.deepEqual(err.details, { dividend: 7 });
    return true;
  });
  await assert.rejects(client.request(topic, 'add', { a: 'one', b: 2 }), { status: 400, errorCode: 'ERR_STREAMERSON_INVALID_PAYLOAD' });
  await assert.rejects(client.request(topic, 'no-such-type', null), { status: 404, errorCode: 'ERR_STREAMERSON_UNKNOWN_TYPE' });
  await assert.rejects(client.request(topic, 'fail', null), (err: unknown) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.status, 500);
    assert.equal(err.errorCode, 'ERR_STREAMERSON_SERVICE');
    assert.doesNotMatch(err.message, /internals/, 'the exception text stays in the worker');
    return true;
  });
});

test('a one-way publish runs its handler and is answered by nobody', async () => {
  const start = client.stats();
  for (let n = 1; n <= 3; n++) await client.publish(topic, 'record', { n, text: 'שלום' });
  // One member reads the topic in order, so the request after the publishes sees them.
  const stats = await client.request<WorkerStats>(topic, 'stats', null);
  assert.deepEqual(
    stats.records.slice(-3),
    [1, 2, 3].map((n) => ({ n, text: 'שלום' })),
  );
  assert.equal(stats.consumer, CONSUMER);
  assert.equal(client.stats().replies, start.replies + 1);
  assert.equal(client.stats().unknownReplies, 0);
});

test('a reply is a v1 entry as section 4 describes: i, t, empty r, status, source, trace context', async () => {
  const replyStream = await makeReplyStream();
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await engine.append(
    topic,
    encodeMessage({
      id: 'req-trace-1',
      type: 'add',
      replyTo: replyStream,
      headers: { deadline: String(Date.now() + 5_000), traceparent, tracestate: 'vendor=abc', 'x-app': 'not copied' },
      payload: { a: 40, b: 2 },
      source: 'ts-test',
    }),
  );
  const [raw] = await waitFor(
    async () => {
      const entries = await engine.range(replyStream, '-', '+');
      return entries.length > 0 ? entries : undefined;
    },
    { what: 'the reply entry' },
  );
  // Fields holding their defaults (r empty, c = j) are left out, as the TypeScript codec does.
  assert.deepEqual(raw!.fields.map(String), [
    'v',
    '1',
    'i',
    'req-trace-1',
    't',
    'add',
    'h',
    `{"status":"200","traceparent":"${traceparent}","tracestate":"vendor=abc"}`,
    's',
    CONSUMER,
    'p',
    '{"sum":42}',
  ]);
  const [reply] = await messagesOf(replyStream);
  assert.equal(reply!.id, 'req-trace-1');
  assert.equal(reply!.type, 'add');
  assert.equal(reply!.replyTo, '');
  assert.equal(reply!.contentType, 'json');
  assert.equal(reply!.source, CONSUMER);
});

test('a handler that would outlive the deadline is cut short with a 504 error reply', async () => {
  const replyStream = await makeReplyStream();
  const deadline = Date.now() + 300;
  await engine.append(
    topic,
    encodeMessage({
      id: 'req-slow',
      type: 'sleep',
      replyTo: replyStream,
      headers: { deadline: String(deadline) },
      payload: { ms: 3_000 },
    }),
  );
  await waitFor(async () => (await engine.length(replyStream)) > 0, { what: 'the 504 reply' });
  const [reply] = await messagesOf(replyStream);
  assert.ok(Date.now() >= deadline);
  assert.deepEqual(reply!.headers, { status: '504', error: 'ERR_STREAMERSON_TIMEOUT' });
  assert.deepEqual(reply!.payload, {
    code: 'ERR_STREAMERSON_TIMEOUT',
    message: 'the handler did not finish before the deadline',
    details: { deadline },
  });
});

test('an expired request is acknowledged, not run and not answered; replies never create a missing stream', async () => {
  const replyStream = await makeReplyStream();
  const goneStream = uniqueName('_reply:py-gone');
  const start = await client.request<WorkerStats>(topic, 'stats', null);
  await engine.append(
    topic,
    encodeMessage({
      id: 'req-expired',
      type: 'record',
      replyTo: replyStream,
      headers: { deadline: String(Date.now() - 1_000) },
      payload: 'must not run',
    }),
  );
  await engine.append(
    topic,
    encodeMessage({
      id: 'req-to-gone',
      type: 'add',
      replyTo: goneStream,
      headers: { deadline: String(Date.now() + 5_000) },
      payload: { a: 1, b: 1 },
    }),
  );
  const afterStats = await client.request<WorkerStats>(topic, 'stats', null);
  assert.equal(afterStats.expired, start.expired + 1);
  assert.ok(!afterStats.records.includes('must not run'));
  // +2: the first stats request counts once its reply is queued, then the request to the gone stream.
  assert.equal(afterStats.processed, start.processed + 2);
  assert.deepEqual(await messagesOf(replyStream), []);
  assert.equal(await redis.command('EXISTS', goneStream), 0, 'NOMKSTREAM: a reply does not recreate a deleted reply stream');
  assert.deepEqual(await redis.command('XPENDING', topic, 'python-worker', '-', '+', '10'), []);
});

test('entries that are not v1 messages are acknowledged and moved to <topic>:dlq with the original fields', async () => {
  const foreign = await engine.append(topic, ['data', '{"hello":"world"}']);
  const future = await engine.append(topic, ['v', '2', 'x', 'anything']);
  const badJson = await engine.append(topic, ['v', '1', 'i', 'm-1', 't', 'x', 'r', '', 'h', '', 'c', 'j', 's', '', 'p', '{"a":']);
  const dlq = deadLetterStream(topic);
  const letters = await waitFor(
    async () => {
      const entries = await engine.range(dlq, '-', '+');
      return entries.length >= 3 ? entries : undefined;
    },
    { what: 'three dead letters' },
  );
  const parsed = letters.map((entry) => parseDeadLetter(entry));
  assert.deepEqual(
    parsed.map((d) => [d?.meta.entryId, d?.meta.errorCode, d?.meta.stream, d?.meta.consumer, d?.meta.deliveries]),
    [
      [foreign, 'ERR_STREAMERSON_BAD_ENTRY', topic, CONSUMER, 1],
      [future, 'ERR_STREAMERSON_UNSUPPORTED_VERSION', topic, CONSUMER, 1],
      [badJson, 'ERR_STREAMERSON_BAD_PAYLOAD', topic, CONSUMER, 1],
    ],
  );
  assert.deepEqual(parsed[0]!.original.fields.map(String), ['data', '{"hello":"world"}']);
  assert.equal(parsed[1]!.original.fields.length, 4);
  // The worker keeps serving after them.
  assert.deepEqual(await client.request(topic, 'add', { a: 1, b: 2 }), { sum: 3 });
  assert.deepEqual(await redis.command('XPENDING', topic, 'python-worker', '-', '+', '10'), []);
});

test("the README's TypeScript example runs against the worker", async () => {
  const readme = readFileSync(new URL('README.md', `file://${exampleDir}`), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README.md has a ts code block');
  const source = block[1]!.replaceAll('redis://127.0.0.1:6380', redis.url).replaceAll("'calc'", `'${topic}'`);
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // Written inside the workspace so that the packages resolve as they would for a user.
  const file = fileURLToPath(new URL(`../readme-example-${process.pid}.mjs`, import.meta.url));
  writeFileSync(file, js);
  try {
    const { stdout } = await run(process.execPath, [file], { timeout: 10_000 });
    assert.deepEqual(stdout.trim().split('\n'), ['{ sum: 3 }', 'STRASSE', '422 DIVISION_BY_ZERO']);
  } finally {
    rmSync(file, { force: true });
  }
});

/** SIGTERM, then the exit code and signal. */
async function stop(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  child.kill('SIGTERM');
  return exited;
}

test('SIGTERM stops the worker cleanly with exit code 0', async () => {
  const started = Date.now();
  const [code, signal] = await stop(worker);
  assert.equal(signal, null, workerLog);
  assert.equal(code, 0, workerLog);
  assert.ok(Date.now() - started < 5_000);
  assert.match(workerLog, /stopped/);
});

test('a member that starts again first finishes the entries it read but never acknowledged', async () => {
  const replyStream = await makeReplyStream();
  await engine.append(
    topic,
    encodeMessage({
      id: 'req-pending',
      type: 'add',
      replyTo: replyStream,
      headers: { deadline: String(Date.now() + 10_000) },
      payload: { a: 2, b: 3 },
    }),
  );
  const foreign = await engine.append(topic, ['data', 'left pending']);
  // As if a member "py-2" had read both entries and crashed before its acks.
  await redis.command('XREADGROUP', 'GROUP', 'python-worker', 'py-2', 'COUNT', '10', 'STREAMS', topic, '>');
  const restarted = await startWorker(redis.url, 'py-2');
  try {
    await waitFor(async () => (await engine.length(replyStream)) > 0, { what: 'the reply to the pending request' });
    const [reply] = await messagesOf(replyStream);
    assert.equal(reply!.id, 'req-pending');
    assert.deepEqual(reply!.payload, { sum: 5 });
    assert.equal(reply!.source, 'py-2');
    const letters = await engine.range(deadLetterStream(topic), '-', '+');
    const letter = letters.map((entry) => parseDeadLetter(entry)).find((d) => d?.meta.entryId === foreign);
    assert.equal(letter?.meta.deliveries, 2, 'read once by the crashed member, once again by the restarted one');
    await waitFor(async () => ((await redis.command('XPENDING', topic, 'python-worker', '-', '+', '10')) as unknown[]).length === 0, {
      what: 'no pending entries',
    });
  } finally {
    const [code] = await stop(restarted);
    assert.equal(code, 0, workerLog);
  }
});
