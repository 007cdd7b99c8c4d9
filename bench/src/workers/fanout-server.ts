/**
 * The WebSocket servers of the `fanout` scenario, one per process:
 * `node fanout-server.js <mode> <redis url> [topic]`, listening on a free
 * loopback port, WebSocket endpoint `/ws`.
 *
 * - `gateway <redis url>`: our gateway plugin with its WebSocket endpoint; the
 *   authorization hook allows every subscription (docs/GATEWAY.md §4).
 * - `relay <redis url> <topic>`: a bare `ws` server that answers the same
 *   subscribe frame and relays `topic` from one ioredis `XREAD BLOCK` loop,
 *   each entry turned into the gateway's event frame once (the payload's JSON
 *   text spliced in, not parsed) and the same bytes sent to every subscriber.
 */
import { createServer } from 'node:http';
import { connect } from '@streamerson/core';
import { streamersonGateway } from '@streamerson/gateway';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveParent } from './ipc.js';

/** Time a relay's blocking read waits, which bounds how fast it stops. */
export const RELAY_BLOCK_MS = 1_000;

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

const [mode, url, topic] = process.argv.slice(2);
if (url === undefined || (mode !== 'gateway' && mode !== 'relay') || (mode === 'relay' && topic === undefined)) {
  throw new Error('usage: fanout-server gateway <redis url> | relay <redis url> <topic>');
}

async function startGateway(): Promise<{ port: number; stop: () => Promise<void> }> {
  const engine = await connect(url!);
  const app = Fastify({ logger: false });
  await app.register(streamersonGateway, { engine, authorize: () => true });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    stop: async () => {
      await app.close();
      await engine.close();
    },
  };
}

/** The field value after `name` in an entry's flat field list. */
function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

async function startRelay(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/ws' });
  const subscribers = new Set<WebSocket>();
  const topicJson = JSON.stringify(topic);
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      let frame: { op?: unknown; id?: unknown; topic?: unknown };
      try {
        frame = JSON.parse(String(data)) as typeof frame;
      } catch {
        return;
      }
      if (frame.op === 'subscribe' && frame.topic === topic) {
        subscribers.add(socket);
        socket.send(JSON.stringify({ op: 'subscribed', id: frame.id, topic }));
      }
    });
    socket.on('close', () => subscribers.delete(socket));
  });
  const redis = new Redis(url!, { maxRetriesPerRequest: 1 });
  let stopped = false;
  // The topic is fresh: reading from the start misses nothing between two blocking reads.
  let lastId = '0-0';
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const reply = (await redis.xread('BLOCK', RELAY_BLOCK_MS, 'STREAMS', topic!, lastId)) as XReadReply;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        const type = field(fields, 't') ?? '';
        const bytes = Buffer.from(`{"op":"event","topic":${topicJson},"id":"${id}","type":${JSON.stringify(type)},"payload":${field(fields, 'p') ?? 'null'}}`);
        for (const socket of subscribers) socket.send(bytes, { binary: false });
      }
    }
  };
  const running = loop().catch((err: unknown) => {
    if (!stopped) throw err;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    stop: async () => {
      stopped = true;
      redis.disconnect();
      await running;
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const { port, stop } = mode === 'gateway' ? await startGateway() : await startRelay();
serveParent({ handled: () => 0, stop }, { port });
