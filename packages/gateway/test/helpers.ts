/** Shared fixtures of the gateway tests: a gateway on an engine, workers, a listening server, and a logger to read. */
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { MemoryEngine, type Engine } from '@streamerson/core';
import { Service, type Handler } from '@streamerson/service';
import { uniqueName } from '@streamerson/testkit';
import { streamersonGateway, type GatewayOptions } from '../src/index.js';

export type Options = Omit<GatewayOptions, 'engine'> & { engine?: Engine };

/** A gateway app on `engine` (default a fresh memory engine), registered and ready. */
export async function gatewayApp(options: Options = {}, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 64 * 1024 });
  await app.register(streamersonGateway, { ...options, engine: options.engine ?? new MemoryEngine() });
  await setup?.(app);
  await app.ready();
  return app;
}

/** A started service on a topic with the given handlers. */
export async function worker(
  engine: Engine,
  topic: string,
  handlers: Record<string, Handler>,
  options: { concurrency?: number; name?: string } = {},
): Promise<Service> {
  const service = new Service(engine, { topic, name: options.name ?? 'svc', concurrency: options.concurrency ?? 50, blockMs: 200 });
  for (const [type, handler] of Object.entries(handlers)) service.handle(type, handler);
  await service.start();
  return service;
}

/** Listens on a free loopback port; resolves with the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

export const topicName = (prefix: string): string => uniqueName(prefix);

/** A Fastify logger at level `error` whose records land, parsed, in `lines`. */
export function capturedLogger(): { readonly lines: Record<string, unknown>[]; readonly logger: { level: 'error'; stream: Writable } } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: { level: 'error', stream } };
}
