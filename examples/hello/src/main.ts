/**
 * Runs the hello gateway and its worker in one process:
 *
 *   STREAMERSON_URL=redis://127.0.0.1:6379 PORT=3000 node examples/hello/dist/src/main.js
 *
 * Without STREAMERSON_URL it runs on the embedded memory:// engine.
 */
import { connect } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify from 'fastify';
import { helloRoutes, helloService } from './hello.js';

const engine = await connect(); // STREAMERSON_URL, else memory://
const service = helloService(engine);
await service.start();
const app = Fastify();
await app.register(streamersonGateway, { engine });
helloRoutes(app.streamerson);
const url = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: process.env['HOST'] ?? '127.0.0.1' });
console.log(`hello: curl ${url}/hello?name=you`);
const stop = async (): Promise<void> => {
  await app.close();
  await service.close();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
