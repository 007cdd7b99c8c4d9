/**
 * The demo's two halves: the gateway (hello, todos and chat routes, the chat
 * page, WebSocket and SSE) and the workers behind it. Both take an engine, so
 * they run in one process on memory:// or in separate processes on Redis.
 */
import type { Engine } from '@streamerson/core';
import { chatAuthorize, chatRoutes, chatService } from '@streamerson/example-chat';
import { crudRoutes, crudService } from '@streamerson/example-crud';
import { helloRoutes, helloService } from '@streamerson/example-hello';
import { codedServerOptions, DEFAULT_BODY_TIMEOUT_MS, streamersonGateway } from '@streamerson/gateway';
import Fastify, { type FastifyInstance } from 'fastify';

/** Default port of the demo gateway. */
export const DEFAULT_DEMO_PORT = 3000;

/** The gateway app, not yet listening. */
export async function demoGateway(engine: Engine): Promise<FastifyInstance> {
  // Whole requests (headers and body) within 60 s on every route, as a backstop
  // for the gateway's own 30 s body timeout on its routes (docs/GATEWAY.md);
  // every answer, Fastify's own included, in the coded error envelope.
  const app = Fastify({ requestTimeout: 60_000, ...codedServerOptions() });
  await app.register(streamersonGateway, {
    engine,
    errorHandler: true,
    authorize: chatAuthorize,
    bodyTimeout: DEFAULT_BODY_TIMEOUT_MS,
    openapi: { info: { title: 'Streamerson demo', version: '0.1.0' } },
  });
  helloRoutes(app.streamerson);
  crudRoutes(app.streamerson);
  chatRoutes(app);
  return app;
}

/** Starts one worker of each service; resolves with a function that drains them. */
export async function demoWorkers(engine: Engine): Promise<() => Promise<void>> {
  const hello = helloService(engine);
  const todos = crudService(engine);
  const chat = chatService(engine);
  await Promise.all([hello.start(), todos.start(), chat.service.start()]);
  return async () => {
    await Promise.all([hello.drain(), todos.drain(), chat.close()]);
  };
}

/** Listen address from PORT and HOST. */
export function listenOptions(): { port: number; host: string } {
  return { port: Number(process.env['PORT'] ?? DEFAULT_DEMO_PORT), host: process.env['HOST'] ?? '127.0.0.1' };
}

/** What the demo prints once the gateway listens. */
export function banner(url: string): string {
  return [
    `Streamerson demo: open ${url}/ in two browser windows to chat`,
    `  curl ${url}/hello?name=you`,
    `  curl -XPOST ${url}/todos -H 'content-type: application/json' -d '{"title":"try streamerson"}'`,
    `  ${url}/openapi.json  ${url}/metrics  ${url}/?via=sse`,
  ].join('\n');
}
