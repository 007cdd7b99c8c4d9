/**
 * rediss:// against a redis-server listening with TLS: the engine appends,
 * reads and blocks over an encrypted connection, verifies the server's
 * certificate against the CA it is given, and refuses a server it cannot verify.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect, encodeMessage, decodeEntry, type Engine, type Message } from '@streamerson/core';
import { freePort, startRedis, uniqueName, type RedisServer } from '@streamerson/testkit';

const run = promisify(execFile);
let dir: string;
let server: RedisServer;
let tlsPort: number;
let ca: Buffer;

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it. */
async function makeCertificates(at: string): Promise<void> {
  const o = (name: string): string => join(at, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=streamerson-test-ca', '-keyout', o('ca.key'), '-out', o('ca.crt')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', o('server.key'), '-out', o('server.csr')]);
  writeFileSync(o('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', o('server.csr'), '-CA', o('ca.crt'), '-CAkey', o('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', o('ext.cnf'), '-out', o('server.crt')]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamerson-tls-'));
  await makeCertificates(dir);
  ca = readFileSync(join(dir, 'ca.crt'));
  tlsPort = await freePort();
  server = await startRedis({
    args: ['--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no'],
  });
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('rediss:// appends, reads and blocks over TLS', async () => {
  const engine: Engine = await connect(`rediss://127.0.0.1:${tlsPort}`, { redis: { tls: { ca } } });
  try {
    const stream = uniqueName('tls');
    const reader = engine.openReader();
    const waiting = reader.read([{ stream, after: '0-0' }], { blockMs: 5_000, count: 10 });
    await engine.append(stream, encodeMessage({ type: 'secret', payload: { n: 1 } }));
    const [got] = await waiting;
    const msg = decodeEntry(stream, got!.entries[0]!) as Message;
    assert.equal(msg.type, 'secret');
    assert.deepEqual(msg.payload, { n: 1 });
    await reader.close();
    assert.equal(await engine.length(stream), 1);
  } finally {
    await engine.close();
  }
});

test('rediss:// refuses a server whose certificate it cannot verify', async () => {
  const engine = await connect(`rediss://127.0.0.1:${tlsPort}`, { redis: { maxRetriesPerRequest: 0, maxReconnectAttempts: 1 } });
  try {
    await assert.rejects(engine.append(uniqueName('tls'), encodeMessage({ payload: 1 })), { code: 'ERR_STREAMERSON_CONNECTION' });
  } finally {
    await engine.close();
  }
  // The same server is reachable when verification is waived: the refusal above was the certificate.
  const lax = await connect(`rediss://127.0.0.1:${tlsPort}`, { redis: { tls: { rejectUnauthorized: false } } });
  try {
    assert.match((await lax.append(uniqueName('tls'), encodeMessage({ payload: 1 })))!, /^\d+-\d+$/);
  } finally {
    await lax.close();
  }
});
