/** The `fastify.streamerson` decorator: the gateway's client, routes and counters. */
import { EventEmitter } from 'node:events';
import type { Engine } from '@streamerson/core';
import type { Client, ClientStats } from '@streamerson/service';
import type { FastifyInstance } from 'fastify';
import type { TopicHub } from './hub/topic-hub.js';
import { buildRoute, type RouteContext } from './http/route.js';
import { parseRouteOptions, type GatewayRouteOptions, type RouteConfig } from './http/route-options.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayConfig } from './options.js';
import type { GatewayEvents } from './report.js';
import type { SseStream } from './sse/sse-stream.js';
import type { WsSession } from './ws/session.js';

/** Counters of a gateway. */
export interface GatewayStats {
  readonly client: ClientStats;
  readonly wsConnections: number;
  readonly sseConnections: number;
  /** WebSocket and SSE subscriptions open now. */
  readonly subscriptions: number;
  /** Topics in the shared subscription read now. */
  readonly subscribedTopics: number;
  /** Entries of subscribed topics that are not protocol messages (skipped). */
  readonly badEntries: number;
  /** Failed shared subscription reads (each retried). */
  readonly readErrors: number;
}

/**
 * The gateway of a Fastify instance (`app.streamerson`). Emits `'error'` for
 * every failure answered with a 5xx (see {@link GatewayEvents}).
 */
export class Gateway extends EventEmitter<GatewayEvents> {
  private readonly routeList: RouteConfig[] = [];

  constructor(
    private readonly fastify: FastifyInstance,
    readonly config: GatewayConfig,
    readonly client: Client,
    readonly hub: TopicHub,
    readonly metrics: GatewayMetrics,
    private readonly routeContext: RouteContext,
    /** WebSocket sessions open now. */
    readonly sessions: ReadonlySet<WsSession>,
    /** SSE streams open now. */
    readonly streams: ReadonlySet<SseStream>,
  ) {
    super();
  }

  get engine(): Engine {
    return this.config.engine;
  }

  /** Routes added so far. */
  get routes(): readonly RouteConfig[] {
    return this.routeList;
  }

  /**
   * Adds an HTTP route forwarded to a topic. Call it before the server is
   * ready (after `await app.register(streamersonGateway, …)`).
   */
  route(options: GatewayRouteOptions): RouteConfig {
    const route = parseRouteOptions(options, this.config.timeout);
    this.fastify.route(buildRoute(route, this.routeContext));
    this.routeList.push(route);
    return route;
  }

  stats(): GatewayStats {
    return {
      client: this.client.stats(),
      wsConnections: this.sessions.size,
      sseConnections: this.streams.size,
      subscriptions: this.hub.size,
      subscribedTopics: this.hub.topics,
      badEntries: this.hub.badEntries,
      readErrors: this.hub.readErrors,
    };
  }
}
