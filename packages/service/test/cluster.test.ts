import { connect } from '@streamerson/core';
import { startRedisCluster } from '@streamerson/testkit';
import { featureFlows } from './features.js';
import { serviceFlows } from './flows.js';

serviceFlows('Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  const engine = await connect(cluster.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await cluster.stop();
    },
  };
});

featureFlows('Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  const engine = await connect(cluster.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await cluster.stop();
    },
  };
});
