/** The chat app on a fresh memory engine, listening on a free port. */
import { MemoryEngine } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify, { type FastifyInstance } from 'fastify';
import { chatAuthorize, chatRoutes, chatService } from '../src/chat.js';

export interface ChatFixture {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function startChat(): Promise<ChatFixture> {
  const engine = new MemoryEngine();
  const chat = chatService(engine);
  await chat.service.start();
  const app = Fastify();
  await app.register(streamersonGateway, { engine, authorize: chatAuthorize });
  chatRoutes(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    async close() {
      await app.close();
      await chat.close();
      await engine.close();
    },
  };
}
