/**
 * rediss:// against a redis-server listening with TLS: the engine appends,
 * reads and blocks over an encrypted connection, verifies the server's
 * certificate against the CA it is given, and refuses a server it cannot verify.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, encodeMessage, decodeEntry, type Engine, type Message } from '@streamerson/core';
import { startTlsRedis, uniqueName, type TlsRedisServer } from '@streamerson/testkit';

let server: TlsRedisServer;
let tlsPort: number;
let ca: Buffer;

before(async () => {
  server = await startTlsRedis();
  tlsPort = server.tlsPort;
  ca = server.ca;
});
after(async () => {
  await server?.stop();
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
    await assert.rejects(engine.append(uniqueName('tls'), encodeMessage({ payload: 1 })), {
      code: 'ERR_STREAMERSON_CONNECTION',
      name: 'ConnectionError',
      reason: 'tls',
      message: `cannot reach rediss://127.0.0.1:${tlsPort}: TLS: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)`,
    });
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

test('redis:// to a TLS port says the server closed the connection and hints at rediss://', async () => {
  const engine = await connect(`redis://127.0.0.1:${tlsPort}`, { redis: { maxRetriesPerRequest: 0, maxReconnectAttempts: 1 } });
  try {
    await assert.rejects(engine.length(uniqueName('tls')), {
      code: 'ERR_STREAMERSON_CONNECTION',
      reason: 'reset',
      message: `cannot reach redis://127.0.0.1:${tlsPort}: the server closed the connection (ECONNRESET) — a TLS port? use rediss://`,
    });
  } finally {
    await engine.close();
  }
});

test('rediss:// to a plain port times out in the handshake and hints at redis://', async () => {
  const engine = await connect(`rediss://127.0.0.1:${server.port}`, { redis: { maxRetriesPerRequest: 0, maxReconnectAttempts: 1, connectTimeoutMs: 300 } });
  try {
    await assert.rejects(engine.length(uniqueName('tls')), {
      code: 'ERR_STREAMERSON_CONNECTION',
      reason: 'timeout',
      message: `cannot reach rediss://127.0.0.1:${server.port}: no answer in time while connecting or in the TLS handshake — not a TLS port? use redis:// (ETIMEDOUT)`,
    });
  } finally {
    await engine.close();
  }
});
