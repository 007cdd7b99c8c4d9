/**
 * @streamerson/gateway — the public API: a Fastify plugin that turns HTTP,
 * WebSocket and Server-Sent Events traffic into stream messages, and the
 * helpers workers use to answer HTTP requests. Everything not exported here is
 * internal.
 */
// Route options accept the OpenAPI schema fields (summary, tags, hide) that @fastify/swagger adds.
/// <reference types="@fastify/swagger" preserve="true" />
export { streamersonGateway } from './plugin.js';
// A type only: the plugin makes the one gateway of an instance (`app.streamerson`).
export type { Gateway, GatewayStats } from './gateway.js';
export { codedServerOptions } from './server-errors.js';
export type { CodedServerOptions } from './server-errors.js';
export type { GatewayEvents, GatewayErrorContext } from './report.js';
export {
  parseGatewayOptions,
  DEFAULT_GATEWAY_TIMEOUT_MS,
  DEFAULT_GATEWAY_NAME,
  DEFAULT_GATEWAY_MAX_IN_FLIGHT,
  DEFAULT_MAX_IN_FLIGHT_PER_IDENTITY,
  DEFAULT_WS_MAX_IN_FLIGHT,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_ENGINE_DOWN_AFTER_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_LENGTH_CHECK_INTERVAL_MS,
  DEFAULT_FORWARD_HEADERS,
  DEFAULT_METRICS_PATH,
  DEFAULT_OPENAPI_PATH,
  DEFAULT_WS_PATH,
  DEFAULT_WS_MAX_PAYLOAD,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_SSE_PATH,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SUBSCRIBE_BLOCK_MS,
  DEFAULT_SUBSCRIBE_READ_COUNT,
  DEFAULT_MAX_CATCH_UP_QUEUE,
  DEFAULT_MAX_JSON_DEPTH,
} from './options.js';
export type { GatewayOptions, GatewayConfig, WsOptions, SseOptions } from './options.js';
export type { IdentityOf } from './limits/in-flight.js';
export { ROUTE_METHODS } from './http/route-options.js';
export type { GatewayRouteOptions, RouteConfig } from './http/route-options.js';
export { isReservedTopic } from './authorize.js';
export type { AuthorizeHook, AuthorizeContext, GatewayOperation } from './authorize.js';
export { gatewayAuth, trustedHttpRequest } from './trust.js';
export type { GatewayVia } from './trust.js';
export { httpReply, isHttpReply, requestBodyBytes, HTTP_REPLY_MARKER, HTTP_ENVELOPE_VERSION } from './envelope.js';
export type { HttpRequest, HttpReply } from './envelope.js';
export type { ErrorBody } from './errors.js';
export type { EventFrame } from './hub/event.js';
export type { ClientFrame, FrameId } from './ws/frames.js';
export { DEFAULT_WS_ORIGINS } from './ws/origin.js';
export type { WsOrigins } from './ws/origin.js';
export { SLOW_CONSUMER_CLOSE_CODE } from './ws/session.js';
export { SLOW_CLOSE_GRACE_MS } from './hub/slow.js';
export { LATENCY_BUCKETS } from './metrics.js';
