import { connect } from '@streamerson/core';
import { startRedis } from '@streamerson/testkit';
import { featureFlows } from './features.js';
import { serviceFlows } from './flows.js';

serviceFlows('Redis standalone', async () => {
  const server = await startRedis();
  const engine = await connect(server.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await server.stop();
    },
  };
});

featureFlows('Redis standalone', async () => {
  const server = await startRedis();
  const engine = await connect(server.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await server.stop();
    },
  };
});
