/** A redis-server speaking TLS with a throwaway CA, for tests of rediss:// and of TLS mistakes. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { startRedis, type RedisServer, type StartRedisOptions } from './redis-server.js';

const run = promisify(execFile);

/** A redis-server with a plain port (`url`) and a TLS port. */
export interface TlsRedisServer extends RedisServer {
  readonly tlsPort: number;
  /** `rediss://127.0.0.1:<tlsPort>`. */
  readonly tlsUrl: string;
  /** The CA that signed the server's certificate (for 127.0.0.1): what a client must trust. */
  readonly ca: Buffer;
}

/** Makes a CA and a server certificate for 127.0.0.1 signed by it in `dir`, with `openssl`. */
async function makeCertificates(dir: string): Promise<void> {
  const o = (name: string): string => join(dir, name);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=streamerson-test-ca',
    '-keyout',
    o('ca.key'),
    '-out',
    o('ca.crt'),
  ]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', o('server.key'), '-out', o('server.csr')]);
  await writeFile(o('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    o('server.csr'),
    '-CA',
    o('ca.crt'),
    '-CAkey',
    o('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    o('ext.cnf'),
    '-out',
    o('server.crt'),
  ]);
}

/**
 * Starts a redis-server that also listens with TLS on a second free port,
 * clients not asked for a certificate. `stop()` also removes the certificates.
 */
export async function startTlsRedis(options: Omit<StartRedisOptions, 'args'> = {}): Promise<TlsRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'streamerson-tls-'));
  try {
    await makeCertificates(dir);
    const tlsPort = await freePort();
    const server = await startRedis({
      ...options,
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
      ],
    });
    return {
      ...server,
      tlsPort,
      tlsUrl: `rediss://127.0.0.1:${tlsPort}`,
      ca: await readFile(join(dir, 'ca.crt')),
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
