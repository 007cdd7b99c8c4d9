import { startRedisCluster } from '@streamerson/testkit';
import { processorSuite } from './suite.js';

processorSuite('processors on a Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  return { url: cluster.url, stop: () => cluster.stop() };
});
