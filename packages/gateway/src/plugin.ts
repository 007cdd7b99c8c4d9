/**
 * The Fastify plugin. Options are parsed once; the plugin decorates the
 * instance with `streamerson` (a {@link Gateway}) and every request with
 * `auth` (set it in a hook: it travels to workers), and releases its client,
 * shared reader and open streams when Fastify closes.
 */
import swagger from '@fastify/swagger';
import { Client } from '@streamerson/service';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { failure, toFailure } from './errors.js';
import { Gateway } from './gateway.js';
import { sendFailure, type RouteContext } from './http/route.js';
import { addBodyTimeout } from './http/body-timeout.js';
import { TopicCaps } from './http/topic-caps.js';
import { TopicHub } from './hub/topic-hub.js';
import { GatewayMetrics } from './metrics.js';
import { IdentityLimits } from './limits/in-flight.js';
import { Admission } from './admission.js';
import { parseGatewayOptions, type GatewayOptions } from './options.js';
import { failureReporter } from './report.js';
import { registerSse } from './sse/register.js';
import { registerWebSocket } from './ws/register.js';
import { RouteRequests } from './ws/route-request.js';
import type { WsSession } from './ws/session.js';
import type { SseStream } from './sse/sse-stream.js';
import type { RouteConfig } from './http/route-options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Streamerson gateway: `route()`, its `client`, `stats()`. */
    streamerson: Gateway;
  }
  interface FastifyContextConfig {
    /** Set on the gateway's own routes. */
    streamerson?: RouteConfig;
  }
  interface FastifyRequest {
    /** Authentication context set by the application's hooks; sent to workers as `auth`. Default null. */
    auth: unknown;
  }
}

const SHUTTING_DOWN = failure(503, 'ERR_STREAMERSON_UNAVAILABLE', 'the gateway is shutting down', true);

async function gatewayPlugin(fastify: FastifyInstance, options: GatewayOptions): Promise<void> {
  const config = parseGatewayOptions(options);
  const ownsClient = config.client === undefined;
  const client = config.client ?? new Client(config.engine, { timeout: config.timeout, maxInFlight: config.maxInFlight, ...config.clientOptions });
  const hub = new TopicHub(config.engine, config.subscribe);
  const caps = new TopicCaps(config.engine, config.maxTopicLength, config.lengthCheckIntervalMs);
  const sessions = new Set<WsSession>();
  const streams = new Set<SseStream>();
  const metrics = new GatewayMetrics(client, { wsConnections: () => sessions.size, sseConnections: () => streams.size, subscriptions: () => hub.size });
  const routeRequests = config.ws === undefined ? undefined : new RouteRequests(fastify);
  const limits = new IdentityLimits(config.maxInFlightPerIdentity);
  const admission = new Admission(config.engine, config.engineDownAfterMs);
  const routeContext: RouteContext = {
    admission,
    client,
    metrics,
    caps,
    routeRequests,
    limits,
    identity: config.identity,
    forwardHeaders: config.forwardHeaders,
    maxJsonDepth: config.maxJsonDepth,
    retryAfterSeconds: config.retryAfterSeconds,
    authorize: config.authorize,
    // Called on requests only, once the gateway below exists.
    report: (...failed) => report(...failed),
  };
  const gateway = new Gateway({ fastify, config, client, ownsClient, hub, caps, admission, limits, routeContext, metrics, sessions, streams });
  const report = failureReporter(gateway);

  if (config.openapi !== undefined) {
    await fastify.register(swagger, { openapi: { info: { ...config.openapi.info } } });
    fastify.get(config.openapi.path, { schema: { hide: true } }, () => fastify.swagger());
  }
  fastify.decorateRequest('auth', null);
  addBodyTimeout(fastify, config.bodyTimeout);
  if (!fastify.hasContentTypeParser('*')) {
    // Bodies that are neither JSON nor text reach workers as bytes (`bodyBase64`).
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
  fastify.decorate('streamerson', gateway);

  if (config.metricsPath !== undefined) {
    fastify.get(config.metricsPath, { schema: { hide: true } }, async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
  if (config.notFound) {
    fastify.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
      sendFailure(reply, failure(404, 'ERR_STREAMERSON_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), routeContext),
    );
  }
  if (config.errorHandler) {
    fastify.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const f = toFailure(error);
      report(error, f, request, 'http');
      return sendFailure(reply, f, routeContext);
    });
  }
  let closing = false;
  // One hook for both checks: every hook is a step of every request.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Requests that reach the server while it closes (see codedServerOptions): a coded 503, and the connection closes.
    if (closing) {
      reply.header('connection', 'close');
      sendFailure(reply, SHUTTING_DOWN, routeContext);
      return;
    }
    // Route requests over a WebSocket reach the gateway's routes only, never the application's.
    if (routeRequests?.isRouteRequest(request) === true && request.routeOptions.config.streamerson === undefined) {
      sendFailure(reply, failure(404, 'ERR_STREAMERSON_NOT_FOUND', `no gateway route ${request.method} ${request.url.split('?')[0]}`), routeContext);
      return;
    }
    done();
  });
  const shared = { admission, client, hub, metrics, report, authorize: config.authorize, retryAfterSeconds: config.retryAfterSeconds };
  if (config.ws !== undefined && routeRequests !== undefined) {
    await registerWebSocket(
      fastify,
      config.ws,
      {
        ...shared,
        routes: routeRequests,
        limits,
        identity: config.identity,
        timeout: config.timeout,
        maxJsonDepth: config.maxJsonDepth,
        maxBufferedBytes: config.ws.maxBufferedBytes,
        maxSubscriptions: config.ws.maxSubscriptions,
        maxInFlight: config.ws.maxInFlight,
      },
      sessions,
    );
  }
  if (config.sse !== undefined) registerSse(fastify, config.sse, shared, streams);
  for (const route of config.routes) gateway.route(route);

  fastify.addHook('onReady', () => gateway.start());
  fastify.addHook('preClose', async () => {
    closing = true;
    // Hijacked SSE responses would keep the server from closing.
    for (const stream of streams) stream.close();
  });
  fastify.addHook('onClose', () => gateway.close());
}

/** The gateway plugin; register it with {@link GatewayOptions}. */
export const streamersonGateway = fp(gatewayPlugin, { fastify: '5.x', name: '@streamerson/gateway' });
