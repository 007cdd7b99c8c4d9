/** The demo workers alone, for STREAMERSON_URL=redis://… deployments: `node examples/demo/dist/src/workers.js` (start as many as you like). */
import { connect } from '@streamerson/core';
import { demoWorkers } from './apps.js';

const engine = await connect(); // STREAMERSON_URL, else memory://
const drain = await demoWorkers(engine);
console.log(`demo workers (hello, todos, chat) running, pid ${process.pid}`);
const stop = async (): Promise<void> => {
  await drain();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
