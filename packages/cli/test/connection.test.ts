/**
 * Engines the binary cannot use: an unreachable Redis is one line naming the
 * address and the cause (refused, unknown host, TLS, authentication), exit 1;
 * memory:// is refused, exit 2, since each command would get its own empty
 * engine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, encodeMessage } from '@streamerson/core';
import { freePort, startRedis, startTlsRedis, waitFor, type RedisServer, type TlsRedisServer } from '@streamerson/testkit';
import { cli, finished, PROCESS_WAIT_MS, startCli } from './cli.js';

describe('engines the command cannot use', () => {
  let tls: TlsRedisServer;
  let secured: RedisServer;
  before(async () => {
    [tls, secured] = await Promise.all([startTlsRedis(), startRedis({ password: 'sekret' })]);
  });
  after(async () => {
    await Promise.all([tls?.stop(), secured?.stop()]);
  });

  async function failure(url: string, args: readonly string[] = ['ls']): Promise<string> {
    const r = await cli([...args, '--url', url], { url, timeoutMs: 20_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^streamerson: ERR_STREAMERSON_CONNECTION: [^\n]*\n$/, 'one line');
    return r.stderr.trimEnd();
  }

  test('a refused port names the address and "connection refused"', async () => {
    const port = await freePort();
    assert.equal(
      await failure(`redis://127.0.0.1:${port}`),
      `streamerson: ERR_STREAMERSON_CONNECTION: cannot reach redis://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
  });

  test('an unknown host names the host', async () => {
    const line = await failure('redis://streamerson-no-such-host.invalid:6379', ['tap', 'orders']);
    assert.match(
      line,
      /cannot reach redis:\/\/streamerson-no-such-host\.invalid:6379: unknown host "streamerson-no-such-host\.invalid" \((ENOTFOUND|EAI_AGAIN)\)$/,
    );
  });

  test('TLS mistakes: a plain URL to a TLS port, a TLS URL to a server it cannot verify or to a plain port', async () => {
    assert.match(await failure(`redis://127.0.0.1:${tls.tlsPort}`), /: the server closed the connection \(ECONNRESET\) — a TLS port\? use rediss:\/\/$/);
    assert.match(
      await failure(tls.tlsUrl, ['info', 'orders']),
      new RegExp(`cannot reach ${tls.tlsUrl}: TLS: self-signed certificate in certificate chain \\(SELF_SIGNED_CERT_IN_CHAIN\\)$`),
    );
    const started = performance.now();
    assert.match(
      await failure(`rediss://127.0.0.1:${tls.port}`),
      /: no answer in time while connecting or in the TLS handshake — not a TLS port\? use redis:\/\/ \(ETIMEDOUT\)$/,
    );
    // One handshake of at most 1.5 s, not tried again (the library's retries took 13 s), plus the start of a Node process.
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 4, `failed after ${seconds.toFixed(1)} s`);
  });

  test('a CA named in NODE_EXTRA_CA_CERTS makes the TLS server usable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamerson-ca-'));
    writeFileSync(join(dir, 'ca.crt'), tls.ca);
    try {
      const r = await cli(['ls', '--url', tls.tlsUrl], { url: tls.tlsUrl, env: { NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') } });
      assert.equal(r.code, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a wrong or missing password says authentication failed, without the password', async () => {
    assert.equal(
      await failure(`redis://:nope@127.0.0.1:${secured.port}`),
      `streamerson: ERR_STREAMERSON_CONNECTION: cannot reach redis://:***@127.0.0.1:${secured.port}: authentication failed: WRONGPASS invalid username-password pair or user is disabled`,
    );
    assert.match(await failure(`redis://127.0.0.1:${secured.port}`, ['top', '--once']), /: authentication failed: NOAUTH Authentication required$/);
  });

  test('a connection lost under tap --follow ends it at once with one line naming the address', async () => {
    const server = await startRedis();
    try {
      const engine = await connect(server.url);
      await engine.append('lost', encodeMessage({ payload: 1 }));
      await engine.close();
      const child = startCli(['tap', 'lost', '-f', '-p'], server.url);
      const done = finished(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out === '1\n', { what: 'the first message', timeoutMs: PROCESS_WAIT_MS });
      await server.stop();
      const r = await done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^streamerson: ERR_STREAMERSON_CONNECTION: cannot reach ${server.url}: the connection was lost [^\n]*\n$`));
    } finally {
      await server.stop();
    }
  });

  test('memory:// is refused with a usage error: every command would get its own empty engine', async () => {
    for (const args of [['produce', 'orders'], ['tap', 'orders'], ['ls']]) {
      const r = await cli([...args, '--url', 'memory://'], { url: 'memory://', input: '{"n":1}\n' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^streamerson: ERR_STREAMERSON_USAGE: memory:\/\/ is an engine inside one process: [^\n]+redis:\/\/host:6379\n$/);
    }
  });
});
