import { connect } from '@streamerson/core';
import { startRedisCluster } from '@streamerson/testkit';
import { featureFlows } from './features.js';
import { serviceFlows, sharedFixture } from './flows.js';
import { outcomeFlows } from './outcomes.js';
import { retentionFlows } from './retention.js';

const fixture = sharedFixture(async () => {
  const cluster = await startRedisCluster();
  const engine = await connect(cluster.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await cluster.stop();
    },
  };
}, 4);

serviceFlows('Redis Cluster', fixture);
featureFlows('Redis Cluster', fixture);
outcomeFlows('Redis Cluster', fixture);
retentionFlows('Redis Cluster', fixture);
