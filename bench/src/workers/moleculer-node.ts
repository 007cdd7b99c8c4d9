/**
 * The Moleculer baseline of the `http` scenario, one broker per process,
 * both on the Redis transporter: `node moleculer-node.js service <redis url> <namespace>`
 * runs an `echo` action answering its params and a `hello` action answering
 * `{"hello":"world"}`; `… gateway <redis url> <namespace>` runs moleculer-web
 * with `POST /echo` → `echo.echo` and `GET /hello` → `echo.hello` on a free
 * loopback port.
 */
import { ServiceBroker } from 'moleculer';
import ApiGateway from 'moleculer-web';
import type { Server } from 'node:http';
import { HELLO_REPLY } from '../http-calls.js';
import { serveParent } from './ipc.js';

const [role, url, namespace] = process.argv.slice(2);
if ((role !== 'service' && role !== 'gateway') || url === undefined || namespace === undefined) {
  throw new Error('usage: moleculer-node service|gateway <redis url> <namespace>');
}
let handled = 0;
const broker = new ServiceBroker({ namespace, nodeID: `${role}-${process.pid}`, transporter: url, logger: false });

if (role === 'service') {
  broker.createService({
    name: 'echo',
    actions: {
      echo(ctx) {
        handled++;
        return ctx.params;
      },
      hello() {
        handled++;
        return HELLO_REPLY;
      },
    },
  });
} else {
  broker.createService({
    name: 'api',
    mixins: [ApiGateway],
    settings: {
      ip: '127.0.0.1',
      port: 0,
      routes: [{ path: '/', aliases: { 'POST echo': 'echo.echo', 'GET hello': 'echo.hello' }, bodyParsers: { json: true }, mappingPolicy: 'restrict' }],
    },
  });
}

await broker.start();
let port: number | undefined;
if (role === 'gateway') {
  await broker.waitForServices(['echo']);
  const api = broker.getLocalService('api') as unknown as { server: Server };
  const address = api.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
}
serveParent({ handled: () => handled, stop: () => broker.stop() }, port === undefined ? {} : { port });
