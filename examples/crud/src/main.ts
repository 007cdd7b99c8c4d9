/**
 * Runs the todo gateway and one worker in one process:
 *
 *   STREAMERSON_URL=redis://127.0.0.1:6379 PORT=3000 node examples/crud/dist/src/main.js
 *
 * Without STREAMERSON_URL it runs on the embedded memory:// engine.
 */
import { connect } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify from 'fastify';
import { crudRoutes, crudService } from './crud.js';

const engine = await connect(); // STREAMERSON_URL, else memory://
const service = crudService(engine);
await service.start();
const app = Fastify();
await app.register(streamersonGateway, { engine });
crudRoutes(app.streamerson);
const url = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: process.env['HOST'] ?? '127.0.0.1' });
console.log(`todos: ${url}/todos (OpenAPI at ${url}/openapi.json)`);
const stop = async (): Promise<void> => {
  await app.close();
  await service.close();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
