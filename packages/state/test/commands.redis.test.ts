import { startRedis } from '@streamerson/testkit';
import { commandSuite } from './suite.js';

commandSuite('a bank on standalone Redis', async () => {
  const server = await startRedis();
  return { url: server.url, stop: () => server.stop() };
});
