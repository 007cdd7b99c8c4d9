import { engineConformance } from '../src/index.js';
import { startRedisCluster } from '@streamerson/testkit';

engineConformance('Redis engine (Cluster)', async () => {
  const cluster = await startRedisCluster();
  return {
    url: cluster.url,
    teardown: () => cluster.stop(),
    command: (...args) => cluster.command(...args),
  };
});
