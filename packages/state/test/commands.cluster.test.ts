import { startRedisCluster } from '@streamerson/testkit';
import { commandSuite } from './suite.js';

commandSuite('a bank on a Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  return { url: cluster.url, stop: () => cluster.stop() };
});
