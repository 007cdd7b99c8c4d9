/**
 * The `fastify.streamerson` decorator: the gateway's routes, client and
 * counters, and its lifecycle (docs/ARCHITECTURE.md, "Lifecycle"). The plugin
 * makes it; Fastify's `ready` starts it and Fastify's `close` closes it, and
 * an application may drain it first (`await app.streamerson.drain()`) to let
 * requests in flight be answered before the server closes.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ClosedError, type Engine, type Lifecycle } from '@streamerson/core';
import { ClosedSignal } from '@streamerson/core/internal';
import { Announcer, type Client, type ClientStats } from '@streamerson/service';
import type { FastifyInstance } from 'fastify';
import type { Admission } from './admission.js';
import type { TopicHub } from './hub/topic-hub.js';
import { buildRoute, type RouteContext } from './http/route.js';
import { parseRouteOptions, type GatewayRouteOptions, type RouteConfig } from './http/route-options.js';
import type { TopicCaps } from './http/topic-caps.js';
import type { IdentityLimits } from './limits/in-flight.js';
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
  /** HTTP requests and WebSocket operations in flight. */
  readonly inFlight: number;
  /** Whether new work is taken now (false while the engine is down, and once draining or closed). */
  readonly accepting: boolean;
}

/** @internal What the plugin hands a gateway. */
export interface GatewayParts {
  readonly fastify: FastifyInstance;
  readonly config: GatewayConfig;
  readonly client: Client;
  readonly ownsClient: boolean;
  readonly hub: TopicHub;
  readonly caps: TopicCaps;
  readonly admission: Admission;
  readonly limits: IdentityLimits;
  readonly routeContext: RouteContext;
  readonly metrics: GatewayMetrics;
  readonly sessions: ReadonlySet<WsSession>;
  readonly streams: ReadonlySet<SseStream>;
}

/**
 * The gateway of a Fastify instance (`app.streamerson`). Emits `'error'` for
 * every failure answered with a 5xx (see {@link GatewayEvents}).
 */
export class Gateway extends EventEmitter<GatewayEvents> implements Lifecycle<GatewayStats> {
  /** Parsed, frozen options of the plugin. */
  readonly config: GatewayConfig;
  /** The client requests go through (the gateway's own, or the one given). */
  readonly client: Client;
  readonly #parts: GatewayParts;
  readonly #routes: RouteConfig[] = [];
  readonly #closed = new ClosedSignal();
  #starting: Promise<void> | undefined;
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #announcer: Announcer | undefined;

  /** @internal Made by the plugin. */
  constructor(parts: GatewayParts) {
    super();
    this.#parts = parts;
    this.config = parts.config;
    this.client = parts.client;
  }

  get engine(): Engine {
    return this.config.engine;
  }

  /** Routes added so far. */
  get routes(): readonly RouteConfig[] {
    return this.#routes;
  }

  /** Settles once the gateway is down (see {@link Lifecycle.closed}). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /**
   * Adds an HTTP route forwarded to a topic. Call it before the server is
   * ready (after `await app.register(streamersonGateway, …)`).
   */
  route(options: GatewayRouteOptions): RouteConfig {
    const route = parseRouteOptions(options, this.config.timeout);
    this.#parts.fastify.route(buildRoute(route, this.#parts.routeContext));
    this.#routes.push(route);
    return route;
  }

  /**
   * Measures capped topics, makes the reply stream and announces the gateway;
   * Fastify's `ready` calls it. Idempotent; rejects with
   * `ERR_STREAMERSON_CLOSED` once draining or closed.
   */
  start(): Promise<void> {
    if (this.#draining !== undefined || this.#closing !== undefined) return Promise.reject(new ClosedError('gateway'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { caps, client, ownsClient, config } = this.#parts;
    await caps.start();
    // Reply stream made before the first request, not during it.
    if (ownsClient) await client.start();
    if (config.announce === undefined || this.#closing !== undefined) return;
    const routes = this.#routes.map((r) => ({ method: r.method, url: r.url, topic: r.topic, type: r.type }));
    this.#announcer = new Announcer(
      config.engine,
      {
        kind: 'gateway',
        name: config.announce.name,
        instanceId: `${config.announce.name}-${randomUUID().slice(0, 8)}`,
        topics: [],
        types: [],
        produces: [...new Set(routes.map((r) => r.topic))],
        routes,
        endpoints: [
          ...(config.ws === undefined ? [] : [{ protocol: 'ws', url: config.ws.path }]),
          ...(config.sse === undefined ? [] : [{ protocol: 'sse', url: config.sse.path }]),
        ],
      },
      (err) => this.#announceFailed(err),
      config.announce.ttlMs,
    );
    // Its heartbeat tries again: no reason to refuse traffic.
    await this.#announcer.start().catch((err: unknown) => this.#announceFailed(err));
  }

  /** The registry append failed: logged (the instance may drop out of the registry until the next heartbeat). */
  #announceFailed(err: unknown): void {
    this.#parts.fastify.log.error({ err }, 'gateway: announcing to the registry failed');
  }

  /**
   * Takes no new work (new requests get `503 ERR_STREAMERSON_UNAVAILABLE`),
   * waits for the requests and WebSocket operations in flight to be answered
   * (each within its timeout), then closes.
   */
  drain(): Promise<void> {
    this.#draining ??= (async () => {
      const { admission, limits, client, ownsClient } = this.#parts;
      admission.stop();
      await limits.idle();
      // Requests made through the gateway's client by other means (app.streamerson.client) too.
      if (ownsClient) await client.drain();
      await this.close();
    })();
    return this.#draining;
  }

  /**
   * Takes no new work, ends SSE streams and closes WebSockets (1001), stops
   * the shared subscription read and the announcement, and closes the
   * gateway's own client (a given client and the engine stay open).
   * Requests in flight of the gateway's own client reject. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close().finally(() => this.#closed.settle());
    return this.#closing;
  }

  async #close(): Promise<void> {
    const { admission, streams, sessions, caps, hub, client, ownsClient } = this.#parts;
    admission.stop();
    for (const stream of [...streams]) stream.close();
    for (const session of [...sessions]) session.shutdown(false);
    await this.#starting?.catch(() => undefined);
    await this.#announcer?.close();
    caps.stop();
    await hub.close();
    if (ownsClient) await client.close();
  }

  /** Stops at once: sockets and streams are cut, the own client's requests reject; `closed` resolves with `error`. */
  destroy(error?: Error): void {
    if (this.#closed.settled) return;
    const { admission, streams, sessions, caps, hub, client, ownsClient } = this.#parts;
    admission.stop();
    this.#closing ??= Promise.resolve();
    for (const stream of [...streams]) stream.close();
    for (const session of [...sessions]) session.shutdown(true);
    this.#announcer?.destroy();
    caps.stop();
    void hub.close();
    if (ownsClient) client.destroy(error);
    this.#closed.settle(error);
  }

  /** `await using`: {@link drain}, then {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  /** @internal Counts an error answer made outside the gateway's routes (see server-errors.ts). */
  countError(code: string): void {
    this.#parts.metrics.error(code);
  }

  stats(): GatewayStats {
    const { client, sessions, streams, hub, limits, admission } = this.#parts;
    return {
      client: client.stats(),
      wsConnections: sessions.size,
      sseConnections: streams.size,
      subscriptions: hub.size,
      subscribedTopics: hub.topics,
      badEntries: hub.badEntries,
      readErrors: hub.readErrors,
      inFlight: limits.total,
      accepting: admission.refusal() === undefined,
    };
  }
}
