/**
 * The subscribers of the `fanout` scenario, all in one process:
 * `node ws-subscribers.js <port> <topic> <count>` opens `count` WebSocket
 * connections to `ws://127.0.0.1:<port>/ws`, subscribes each to `topic`
 * (the gateway's subscribe frame, docs/GATEWAY.md §4) and reports ready once
 * every subscription is confirmed. For each event it records receive time
 * minus the `sentAt` the publisher put in the payload (both
 * `performance.timeOrigin + performance.now()`, so milliseconds of the same
 * wall clock), and checks that each subscriber sees the messages' `seq` in order.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { serveParent } from './ipc.js';

/** Connections opened at once while subscribing, so that the server's accept backlog never overflows. */
export const CONNECT_BATCH = 100;

/** What the subscribers measured since the previous report. */
export interface SubscribersReport {
  /** Events received by all subscribers. */
  readonly received: number;
  /** Fewest and most events one subscriber received. */
  readonly perSubscriberMin: number;
  readonly perSubscriberMax: number;
  /** Delivery latency percentiles, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Events out of order or repeated, since the start. */
  readonly outOfOrder: number;
  /** Connections that closed while subscribed, since the start. */
  readonly closed: number;
  /** Frames other than events (errors) after subscribing, since the start. */
  readonly unexpected: number;
}

interface EventFrame {
  readonly op: string;
  readonly payload?: { readonly seq: number; readonly sentAt: number };
}

const [portText, topic, countText] = process.argv.slice(2);
if (portText === undefined || topic === undefined || countText === undefined) throw new Error('usage: ws-subscribers <port> <topic> <count>');
const count = Number(countText);
const url = `ws://127.0.0.1:${portText}/ws`;

let latencies: number[] = [];
let perSubscriber = new Uint32Array(count);
const lastSeq = new Float64Array(count).fill(-1);
let handled = 0;
let outOfOrder = 0;
let closed = 0;
let unexpected = 0;
let stopping = false;
const sockets: WebSocket[] = [];

function subscribe(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    sockets.push(socket);
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ op: 'subscribe', id: index, topic })));
    socket.on('close', () => {
      if (!stopping) closed++;
    });
    socket.on('message', (data) => {
      const receivedAt = performance.timeOrigin + performance.now();
      const frame = JSON.parse(String(data)) as EventFrame;
      if (frame.op === 'subscribed') return resolve();
      if (frame.op !== 'event' || frame.payload === undefined) {
        unexpected++;
        return reject(new Error(`subscriber ${index}: unexpected frame ${String(data)}`));
      }
      latencies.push(receivedAt - frame.payload.sentAt);
      if (lastSeq[index] !== -1 && frame.payload.seq !== lastSeq[index]! + 1) outOfOrder++;
      lastSeq[index] = frame.payload.seq;
      perSubscriber[index]!++;
      handled++;
    });
  });
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function report(): SubscribersReport {
  const sorted = Float64Array.from(latencies).sort();
  let min = Infinity;
  let max = 0;
  for (const n of perSubscriber) {
    min = Math.min(min, n);
    max = Math.max(max, n);
  }
  const out = {
    received: sorted.length,
    perSubscriberMin: min,
    perSubscriberMax: max,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    outOfOrder,
    closed,
    unexpected,
  };
  latencies = [];
  perSubscriber = new Uint32Array(count);
  return out;
}

for (let start = 0; start < count; start += CONNECT_BATCH) {
  await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, (_, i) => subscribe(start + i)));
}
serveParent({
  handled: () => handled,
  report,
  stop: async () => {
    stopping = true;
    for (const socket of sockets) socket.terminate();
  },
});
