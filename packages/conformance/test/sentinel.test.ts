import { engineConformance } from '../src/index.js';
import { startRedisSentinel } from '@streamerson/testkit';

engineConformance('Redis engine (Sentinel: a master, a replica, three Sentinels)', async () => {
  const sentinel = await startRedisSentinel();
  return {
    url: sentinel.url,
    teardown: () => sentinel.stop(),
    command: async (...args) => (await sentinel.master()).command(...args),
  };
});
