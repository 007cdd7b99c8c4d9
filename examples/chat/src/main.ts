/**
 * Runs the chat gateway, its page and the chat worker in one process:
 *
 *   STREAMERSON_URL=redis://127.0.0.1:6379 PORT=3000 node examples/chat/dist/src/main.js
 *
 * Without STREAMERSON_URL it runs on the embedded memory:// engine.
 */
import { connect } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify from 'fastify';
import { chatAuthorize, chatRoutes, chatService } from './chat.js';

const engine = await connect(); // STREAMERSON_URL, else memory://
const chat = chatService(engine);
await chat.service.start();
const app = Fastify();
await app.register(streamersonGateway, { engine, authorize: chatAuthorize });
chatRoutes(app);
const url = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: process.env['HOST'] ?? '127.0.0.1' });
console.log(`chat: open ${url}/ in two browser windows (${url}/?via=sse reads with Server-Sent Events)`);
const stop = async (): Promise<void> => {
  await app.close();
  await chat.close();
  await engine.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
