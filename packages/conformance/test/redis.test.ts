import { engineConformance } from '../src/index.js';
import { startRedis } from '@streamerson/testkit';

engineConformance('Redis engine (standalone)', async () => {
  const server = await startRedis();
  return {
    url: server.url,
    teardown: () => server.stop(),
    command: (...args) => server.command(...args),
  };
});
