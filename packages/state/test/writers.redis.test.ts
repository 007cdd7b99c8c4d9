import { startRedis } from '@streamerson/testkit';
import { writerSuite } from './writers.js';

writerSuite('writers on standalone Redis', async () => {
  const server = await startRedis();
  return { url: server.url, stop: () => server.stop() };
});
