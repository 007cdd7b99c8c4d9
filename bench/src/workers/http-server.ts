/**
 * The HTTP servers of the `http` scenario, one per process:
 * `node http-server.js <mode> [args]`, listening on a free loopback port.
 *
 * Every mode serves both calls of `http-calls.ts`: `GET /hello` and `POST /echo`.
 *
 * - `echo`: bare Fastify, answering `{"hello":"world"}` and the JSON body it got.
 * - `chain <upstream port>`: Fastify that forwards each request to an `echo`
 *   server through an undici Pool (one connection per load connection) and
 *   answers what it got back: the usual HTTP service-to-service hop.
 * - `streams <redis url> <topic>`: a hand-written minimal streams gateway,
 *   Fastify → raw ioredis XADD → the raw request/reply worker → XREAD reply.
 * - `least <redis url> <topic>`: the least a streams hop can cost, the raw
 *   worker's entries over plain sockets (`LeastRequestClient`), each reply's
 *   JSON text sent on as it came.
 * - `gateway <redis url> <topic> [shards] [work]`: our gateway plugin, both
 *   routes to `topic` (spread over `shards` shards, default 1), answered by
 *   our request/reply worker(s); with `work`, `POST /echo` goes to the
 *   workers' handler that does CPU work first (`GATEWAY_WORK_TYPE`).
 */
import { connect } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify, { type FastifyReply } from 'fastify';
import { Pool } from 'undici';
import { ECHO_PATH, HELLO_PATH, HELLO_REPLY } from '../http-calls.js';
import { LeastRequestClient } from '../rr-least-client.js';
import { RawRequestClient } from '../rr-raw-client.js';
import { serveParent } from './ipc.js';
import { GATEWAY_HELLO_TYPE, GATEWAY_TYPE, GATEWAY_WORK_TYPE, RAW_HELLO_REQUEST } from './rr-protocol.js';

/** Connections of the chain's undici Pool: as many as the load generator opens. */
export const CHAIN_POOL_CONNECTIONS = 100;

const [mode, ...args] = process.argv.slice(2);
let handled = 0;
const app = Fastify({ logger: false });
const closers: (() => Promise<void>)[] = [];

switch (mode) {
  case 'echo':
    app.get(HELLO_PATH, async () => {
      handled++;
      return HELLO_REPLY;
    });
    app.post(ECHO_PATH, async (request) => {
      handled++;
      return request.body;
    });
    break;
  case 'chain': {
    const pool = new Pool(`http://127.0.0.1:${args[0]}`, { connections: CHAIN_POOL_CONNECTIONS });
    closers.push(() => pool.close());
    app.get(HELLO_PATH, async () => {
      const response = await pool.request({ path: HELLO_PATH, method: 'GET' });
      const body = await response.body.json();
      handled++;
      return body;
    });
    app.post(ECHO_PATH, async (request) => {
      const response = await pool.request({
        path: ECHO_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
      });
      const body = await response.body.json();
      handled++;
      return body;
    });
    break;
  }
  case 'streams': {
    const client = new RawRequestClient(args[0]!, args[1]!);
    closers.push(() => client.close());
    app.get(HELLO_PATH, async () => {
      const reply = await client.request(RAW_HELLO_REQUEST);
      handled++;
      return reply;
    });
    app.post(ECHO_PATH, async (request) => {
      const reply = await client.request(request.body);
      handled++;
      return reply;
    });
    break;
  }
  case 'least': {
    const client = await LeastRequestClient.open(args[0]!, args[1]!);
    closers.push(() => client.close());
    const hello = JSON.stringify(RAW_HELLO_REQUEST);
    const answer = async (reply: FastifyReply, request: string) => {
      const json = await client.request(request);
      handled++;
      return reply.type('application/json').send(json);
    };
    app.get(HELLO_PATH, (_request, reply) => answer(reply, hello));
    app.post(ECHO_PATH, (request, reply) => answer(reply, JSON.stringify(request.body)));
    break;
  }
  case 'gateway': {
    const engine = await connect(args[0]!);
    closers.push(() => engine.close());
    await app.register(streamersonGateway, { engine });
    const shards = Number(args[2] ?? '1');
    app.streamerson.route({ method: 'GET', url: HELLO_PATH, topic: args[1]!, type: GATEWAY_HELLO_TYPE, shards });
    app.streamerson.route({ method: 'POST', url: ECHO_PATH, topic: args[1]!, type: args[3] === 'work' ? GATEWAY_WORK_TYPE : GATEWAY_TYPE, shards });
    break;
  }
  default:
    throw new Error(
      `usage: http-server echo | chain <upstream port> | streams <redis url> <topic> | least <redis url> <topic> | gateway <redis url> <topic> [shards] [work]; got ${mode}`,
    );
}

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
serveParent(
  {
    handled: () => handled,
    stop: async () => {
      await app.close();
      for (const close of closers) await close();
    },
  },
  { port: typeof address === 'object' && address !== null ? address.port : 0 },
);
