import { connect } from '@streamerson/core';
import { startRedisCluster } from '@streamerson/testkit';
import { crashRecovery } from './crash.js';

// Three shards: the killed member holds entries on streams served by different nodes.
crashRecovery('Redis Cluster', 3, async () => {
  const cluster = await startRedisCluster();
  const engine = await connect(cluster.url);
  return {
    url: cluster.url,
    engine,
    teardown: async () => {
      await engine.close();
      await cluster.stop();
    },
  };
});
