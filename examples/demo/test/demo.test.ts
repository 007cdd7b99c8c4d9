import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRedis, waitFor } from '@streamerson/testkit';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
/** How long the demo's processes may take to start: loading the packages takes seconds on shared cores. */
const START_MS = 60_000;
const running: ChildProcess[] = [];
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the demo and resolves with the URL it prints. */
async function startDemo(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => {
    output += String(d);
  });
  child.stderr!.on('data', (d) => {
    output += String(d);
  });
  await waitFor(() => /open (http:\/\/\S+)\/ in two/.test(output), { timeoutMs: START_MS, what: 'the demo URL' });
  return { child, url: /open (http:\/\/\S+)\/ in two/.exec(output)![1]!, output: () => output };
}

async function exercise(url: string): Promise<void> {
  assert.deepEqual(await (await fetch(`${url}/hello?name=demo`)).json(), { hello: 'demo' });
  const created = await fetch(`${url}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"demo"}' });
  assert.equal(created.status, 201);
  assert.match(await (await fetch(`${url}/`)).text(), /Streamerson chat/);
  const posted = await fetch(`${url}/rooms/lobby/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"t","text":"hi"}',
  });
  assert.equal(posted.status, 201);
  // Fastify's own answers are in the coded envelope too.
  for (const [path, init, status] of [
    ['/%zz', {}, 400],
    ['/nowhere', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }, 400],
  ] as const) {
    const res = await fetch(`${url}${path}`, init);
    assert.equal(res.status, status, path);
    assert.match(((await res.json()) as { error: { code: string } }).error.code, /^ERR_STREAMERSON_/, path);
  }
}

it('on memory:// the demo runs gateway, workers and chat page in one process and prints the URL', async () => {
  const env: Record<string, string> = {};
  if (process.env['STREAMERSON_URL'] !== undefined) env['STREAMERSON_URL'] = 'memory://';
  const { child, url } = await startDemo(env);
  await exercise(url);
  child.kill('SIGTERM');
  assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
});

it('with STREAMERSON_URL=redis://… the gateway and the workers are separate processes', async () => {
  const redis = await startRedis();
  try {
    const { child, url, output } = await startDemo({ STREAMERSON_URL: redis.url });
    assert.match(output(), /gateway and workers in separate processes/);
    await waitFor(() => /demo workers .* running/.test(output()), { timeoutMs: START_MS, what: 'the demo workers' });
    await exercise(url);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    await redis.stop();
  }
});

it('with STREAMERSON_URL=file://… the gateway and the workers are separate processes, and `streamerson top` in a third one shows them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamerson-demo-'));
  try {
    const store = `file://${dir}`;
    const { child, url, output } = await startDemo({ STREAMERSON_URL: store });
    assert.match(output(), /gateway and workers in separate processes/);
    await waitFor(() => /demo workers .* running/.test(output()), { timeoutMs: START_MS, what: 'the demo workers' });
    await exercise(url);
    const cli = fileURLToPath(new URL('../../../../packages/cli/dist/src/main.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'top', '--once', '--json', '--interval', '200ms', '--url', store]);
    const topics = (JSON.parse(stdout) as { topics: { topic: string; groups: { name: string; consumersOnline: number }[] }[] }).topics;
    const hello = topics.find((t) => t.topic === 'hello');
    assert.ok(hello !== undefined, `top lists the hello topic: ${stdout}`);
    assert.ok(
      hello.groups.some((g) => g.consumersOnline >= 1),
      `the hello workers are online: ${JSON.stringify(hello)}`,
    );
    child.kill('SIGTERM');
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
