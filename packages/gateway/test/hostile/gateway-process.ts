/**
 * The gateway the hostile-client tests attack, as a process of its own so
 * that a crash shows as an exit instead of ending the test run: a gateway
 * with two routes, WebSocket and SSE, and a worker behind it, on the engine of
 * the URL given (memory:// or redis://). An `x-user` header stands for an
 * authenticated user (`request.auth`). Every answer is coded
 * (`codedServerOptions`, `errorHandler`). A `memory` line on stdin prints
 * `{"event":"memory","heapUsed","rss"}` after a full collection. Prints `{"event":"ready","base":…}`;
 * exits when its stdin closes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '@streamerson/core';
import Fastify from 'fastify';
import { codedServerOptions, streamersonGateway, type HttpRequest } from '../../src/index.js';
import { worker } from '../helpers.js';
import { HOSTILE_TOPIC } from '../hostile.js';

const { url } = JSON.parse(process.argv[2]!) as { url: string };
process.stdin.on('end', () => process.exit(0));
// A `memory` line asks for the heap and RSS after a full garbage collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
process.stdin.on('data', (chunk: Buffer) => {
  if (!chunk.toString().includes('memory')) return;
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ event: 'memory', heapUsed, rss })}\n`);
});
const engine = await connect(url);
await worker(engine, HOSTILE_TOPIC, {
  echo: (payload: unknown) => payload,
  hello: (req: HttpRequest) => ({ hello: req.params['name'] }),
  body: (req: HttpRequest) => req.body,
  whoami: (_payload: unknown, ctx) => ({ headers: ctx.headers }),
});
const app = Fastify({ bodyLimit: 64 * 1024, ...codedServerOptions() });
app.addHook('onRequest', async (request) => {
  const user = request.headers['x-user'];
  if (typeof user === 'string') request.auth = { user };
});
await app.register(streamersonGateway, {
  engine,
  // Topics stay short: a flood of large events must not be kept by the engine in this process.
  clientOptions: { topicMaxLen: 100 },
  errorHandler: true,
  ws: { maxPayload: 256 * 1024 },
  authorize: ({ topic }) => topic !== 'forbidden',
  routes: [
    { method: 'GET', url: '/hello/:name', topic: HOSTILE_TOPIC, type: 'hello' },
    { method: 'POST', url: '/body', topic: HOSTILE_TOPIC, type: 'body' },
  ],
});
// The application's own routes: their errors are coded too.
app.get('/app/throws', async () => {
  throw new Error('a secret internal detail');
});
app.post('/app/json', async (request) => request.body);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ event: 'ready', base })}\n`);
