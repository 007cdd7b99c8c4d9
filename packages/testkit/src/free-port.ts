import { createServer } from 'node:net';

/** The port a test server must never take: a developer's own Redis may listen there. */
export const RESERVED_REDIS_PORT = 6379;

/** Asks the OS for a free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    // Cluster nodes also listen on port + 10000, which must stay a valid port.
    if (port !== RESERVED_REDIS_PORT && port > 0 && port <= 55_535) return port;
  }
}
