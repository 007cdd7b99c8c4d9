/**
 * The gateway's Prometheus metrics, in a Registry of its own (never prom-client's
 * global one, so that several gateways and the application's own metrics do not
 * collide). Client counters are read when scraped, not mirrored per request.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Client } from '@streamerson/service';
import { RouteLatency, type LatencyObserver } from './route-latency.js';

/** Buckets of the request latency histogram, in seconds. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Counts the gateway keeps besides the client's. */
export interface LiveCounts {
  wsConnections(): number;
  sseConnections(): number;
  subscriptions(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly latency: RouteLatency;
  private readonly errors: Counter<'code'>;
  private readonly slow: Counter;

  constructor(client: Client, live: LiveCounts) {
    this.latency = new RouteLatency(
      'streamerson_gateway_request_duration_seconds',
      'Time from receiving an HTTP request to sending its answer, per route.',
      LATENCY_BUCKETS,
      this.registry,
    );
    this.errors = new Counter({
      name: 'streamerson_gateway_errors_total',
      help: 'Error answers (HTTP and WebSocket) by error code.',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.slow = new Counter({
      name: 'streamerson_gateway_slow_consumers_total',
      help: 'WebSocket and SSE subscribers closed for falling behind.',
      registers: [this.registry],
    });
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    };
    gauge('streamerson_gateway_in_flight', 'Requests waiting for their reply.', () => client.stats().inFlight);
    gauge('streamerson_gateway_replies_unknown_total', 'Replies that matched no waiting request (late replies).', () => client.stats().unknownReplies);
    gauge('streamerson_gateway_replies_bad_total', 'Reply stream entries that are not protocol messages.', () => client.stats().badReplies);
    gauge('streamerson_gateway_timeouts_total', 'Requests that got no reply before their deadline.', () => client.stats().timeouts);
    gauge('streamerson_gateway_ws_connections', 'Open WebSocket connections.', () => live.wsConnections());
    gauge('streamerson_gateway_sse_connections', 'Open Server-Sent Events streams.', () => live.sseConnections());
    gauge('streamerson_gateway_subscriptions', 'Topic subscriptions of WebSocket and SSE clients.', () => live.subscriptions());
  }

  /** The observer of one route. */
  route(route: string): LatencyObserver {
    return this.latency.route(route);
  }

  error(code: string): void {
    this.errors.inc({ code });
  }

  slowConsumer(): void {
    this.slow.inc();
  }
}
