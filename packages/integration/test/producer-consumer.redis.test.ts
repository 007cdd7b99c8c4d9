import { startRedis } from '@streamerson/testkit';
import { producerConsumerFlows } from '../src/index.js';

producerConsumerFlows('Redis standalone', async () => {
  const server = await startRedis();
  return { url: server.url, teardown: () => server.stop() };
});
