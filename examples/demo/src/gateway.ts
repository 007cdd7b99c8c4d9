/** The demo gateway alone, for STREAMERSON_URL=redis://… deployments: `node examples/demo/dist/src/gateway.js`. */
import { connect } from '@streamerson/core';
import { banner, demoGateway, listenOptions } from './apps.js';

const engine = await connect(); // STREAMERSON_URL, else memory://
const app = await demoGateway(engine);
console.log(banner(await app.listen(listenOptions())));
const stop = async (): Promise<void> => {
  await app.close();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
