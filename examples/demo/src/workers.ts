/** The demo workers alone, for STREAMERSON_URL=redis://… deployments: `node examples/demo/dist/src/workers.js` (start as many as you like). */
import { connect, DEFAULT_ENGINE_URL } from '@streamerson/core';
import { demoWorkers } from './apps.js';

const engine = await connect(process.env['STREAMERSON_URL'] ?? DEFAULT_ENGINE_URL);
const drain = await demoWorkers(engine);
console.log(`demo workers (hello, todos, chat) running, pid ${process.pid}`);
const stop = async (): Promise<void> => {
  await drain();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
