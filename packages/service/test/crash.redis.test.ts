import { connect } from '@streamerson/core';
import { startRedis } from '@streamerson/testkit';
import { crashRecovery } from './crash.js';

crashRecovery('Redis standalone', 1, async () => {
  const server = await startRedis();
  const engine = await connect(server.url);
  return {
    url: server.url,
    engine,
    teardown: async () => {
      await engine.close();
      await server.stop();
    },
  };
});
