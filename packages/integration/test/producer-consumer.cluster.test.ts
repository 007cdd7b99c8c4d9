import { startRedisCluster } from '@streamerson/testkit';
import { producerConsumerFlows } from '../src/index.js';

producerConsumerFlows('Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  return { url: cluster.url, teardown: () => cluster.stop() };
});
