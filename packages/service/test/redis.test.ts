import { connect } from '@streamerson/core';
import { startRedis } from '@streamerson/testkit';
import { backlogFlows } from './backlog.js';
import { featureFlows } from './features.js';
import { serviceFlows, sharedFixture } from './flows.js';
import { outcomeFlows } from './outcomes.js';
import { retentionFlows } from './retention.js';

const fixture = sharedFixture(async () => {
  const server = await startRedis();
  const engine = await connect(server.url);
  return {
    engine,
    teardown: async () => {
      await engine.close();
      await server.stop();
    },
  };
}, 5);

serviceFlows('Redis standalone', fixture);
backlogFlows('Redis standalone', fixture);
featureFlows('Redis standalone', fixture);
outcomeFlows('Redis standalone', fixture);
retentionFlows('Redis standalone', fixture);
