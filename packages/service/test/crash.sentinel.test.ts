import { connect } from '@streamerson/core';
import { startRedisSentinel } from '@streamerson/testkit';
import { crashRecovery } from './crash.js';

// A master with one replica, found through three Sentinels; appends wait for the replica (replicas: 1).
crashRecovery('Redis Sentinel', 1, async () => {
  const sentinel = await startRedisSentinel();
  const engine = await connect(sentinel.url, { redis: { replicas: 1 } });
  return {
    url: sentinel.url,
    engine,
    teardown: async () => {
      await engine.close();
      await sentinel.stop();
    },
  };
});
