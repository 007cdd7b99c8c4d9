import { startRedis } from '@streamerson/testkit';

/** A redis-server of the test file's own. */
export async function redisTarget(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = await startRedis();
  return { url: server.url, stop: () => server.stop() };
}
