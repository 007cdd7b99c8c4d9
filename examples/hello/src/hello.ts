/**
 * The smallest gateway app: `GET /hello` becomes a request on the `hello`
 * topic, a worker answers it, the gateway sends the reply.
 */
import type { Engine } from '@streamerson/core';
import type { Gateway } from '@streamerson/gateway';
import { Service } from '@streamerson/service';

/** The topic the route writes to. */
export const HELLO_TOPIC = 'hello';

/** Adds `GET /hello` (optional `?name=`) to a gateway. */
export function helloRoutes(gateway: Gateway): void {
  gateway.route({
    method: 'GET',
    url: '/hello',
    topic: HELLO_TOPIC,
    type: 'hello',
    schema: { querystring: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } } } },
  });
}

/** The worker: any number of them share the `hello` consumer group. */
export function helloService(engine: Engine): Service {
  return new Service(engine, { topic: HELLO_TOPIC, name: 'hello' }).handle('hello', (req: { query: { name?: string } }) => ({
    hello: req.query.name ?? 'world',
  }));
}
