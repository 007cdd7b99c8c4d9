/**
 * One gateway route as a Fastify route: the handler writes the request
 * message and answers with the reply. Everything a request does not change
 * (request options, latency observer, cap state) is made once here, so the
 * request path allocates only the envelope and the callbacks of its reply.
 */
import { AUTH_HEADER, IDEMPOTENCY_KEY_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER, StreamersonError, type Headers } from '@streamerson/core';
import type { JsonText } from '@streamerson/core/internal';
import type { Client, PublishOptions, Reply, RequestOptions } from '@streamerson/service';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { authorized, type AuthorizeHook } from '../authorize.js';
import type { Admission } from '../admission.js';
import { httpReply, type HttpReply } from '../envelope.js';
import { errorBody, toFailure, type GatewayFailure } from '../errors.js';
import { tooManyInFlight, type IdentityLimits, type IdentityOf } from '../limits/in-flight.js';
import { deeperThan, tooDeepMessage } from '../json-depth.js';
import type { RouteRequests } from '../ws/route-request.js';
import type { GatewayMetrics } from '../metrics.js';
import type { RouteConfig } from './route-options.js';
import { gatewayHeaders } from '../trust.js';
import type { ReportFailure } from '../report.js';
import { sendPayload, sendReply } from './send-reply.js';
import { messageHeaders, scopedIdempotencyKey, traceContext } from './message-headers.js';
import { requestEncoder } from './encode-request.js';
import type { TopicCaps } from './topic-caps.js';

/** What every route shares. */
export interface RouteContext {
  /** Whether new work is taken (draining, engine down). */
  readonly admission: Admission;
  readonly client: Client;
  readonly metrics: GatewayMetrics;
  readonly caps: TopicCaps;
  readonly forwardHeaders: readonly string[];
  readonly retryAfterSeconds: number;
  readonly authorize: AuthorizeHook | undefined;
  /** Requests in flight per identity. */
  readonly limits: IdentityLimits;
  readonly identity: IdentityOf;
  /** Deepest JSON nesting accepted in a body. */
  readonly maxJsonDepth: number;
  /** Logs and emits failures answered with a 5xx. */
  readonly report: ReportFailure;
  /** Present when WebSocket clients may request routes. */
  readonly routeRequests: RouteRequests | undefined;
}

/** Sends a failure as the coded error body, with Retry-After when retrying may help. */
export function sendFailure(reply: FastifyReply, f: GatewayFailure, ctx: Pick<RouteContext, 'metrics' | 'retryAfterSeconds'>): FastifyReply {
  ctx.metrics.error(f.code);
  if (f.retry) reply.header('retry-after', String(ctx.retryAfterSeconds));
  return reply
    .code(f.status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(f)));
}

/** The answer to a one-way request: 202 with the message id. */
function accepted(messageId: string): HttpReply {
  return httpReply(202, { id: messageId });
}

/** Returns the trace context on the answer, as the worker's reply carries it back. */
function echoTrace(reply: FastifyReply, trace: Headers): void {
  reply.header(TRACEPARENT_HEADER, trace[TRACEPARENT_HEADER]);
  const state = trace[TRACESTATE_HEADER];
  if (state !== undefined) reply.header(TRACESTATE_HEADER, state);
}

export function buildRoute(route: RouteConfig, ctx: RouteContext): RouteOptions {
  const { client } = ctx;
  const { topic, type, url, oneWay } = route;
  const envelope = requestEncoder(route.method, url, ctx.forwardHeaders);
  const id = `${route.method} ${url}`;
  const observe = ctx.metrics.route(id);
  const cap = ctx.caps.watch(topic);
  const requestOptions: RequestOptions = Object.freeze({ timeout: route.timeout, shards: route.shards });
  const publishOptions = Object.freeze({ shards: route.shards });
  const overCap = new StreamersonError('ERR_STREAMERSON_UNAVAILABLE', `topic "${topic}" is over its length cap`);
  const forbidden = new StreamersonError('ERR_STREAMERSON_FORBIDDEN', `request on "${topic}" is not allowed`);
  const tooDeep = new StreamersonError('ERR_STREAMERSON_BAD_REQUEST', tooDeepMessage(ctx.maxJsonDepth));
  const { routeRequests, authorize, limits, identity } = ctx;
  const tooMany = tooManyInFlight('identity');

  /** Counts the latency of a request, then lets the route's error handler answer. */
  function fail(reply: FastifyReply, started: number, error: unknown): void {
    observe((performance.now() - started) / 1000);
    reply.send(error);
  }

  /** Sends the answer with `send`, then counts the latency. */
  function answer<T>(reply: FastifyReply, started: number, send: (reply: FastifyReply, result: T) => FastifyReply, result: T): void {
    try {
      send(reply, result);
    } catch (error) {
      // A reply Fastify refuses (a status out of range, …) is answered as an error, not left hanging.
      fail(reply, started, error);
      return;
    }
    observe((performance.now() - started) / 1000);
  }

  /**
   * Writes the request message and answers once its reply (or, one-way, its
   * append) settles. `slot` is the identity whose in-flight slot to give back;
   * `who` scopes the caller's Idempotency-Key.
   */
  function forward(request: FastifyRequest, reply: FastifyReply, started: number, slot: string | undefined, who: string): void {
    const release = (): void => {
      if (slot !== undefined) limits.release(slot);
    };
    const trace = traceContext(request.headers[TRACEPARENT_HEADER], request.headers[TRACESTATE_HEADER]);
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    let headers: Headers;
    let payload: JsonText;
    try {
      // An `auth` that is not JSON (a bigint, a cycle) fails here too, answered as the gateway's own error.
      const gateway = gatewayHeaders('http', request.auth);
      const extra = messageHeaders(trace, key === undefined ? undefined : scopedIdempotencyKey(key, id, who));
      // Most requests carry neither: then the gateway's headers are shared, not copied.
      headers = extra === undefined ? gateway : { ...gateway, ...extra };
      payload = envelope.encode(request, gateway[AUTH_HEADER]);
    } catch (error) {
      release();
      fail(reply, started, error);
      return;
    }
    if (trace !== undefined) echoTrace(reply, trace);
    const failed = (error: unknown): void => {
      release();
      fail(reply, started, error);
    };
    if (oneWay) {
      client.publish(topic, type, payload, { ...publishOptions, headers } satisfies PublishOptions).then((messageId) => {
        release();
        answer(reply, started, sendPayload, accepted(messageId));
      }, failed);
      return;
    }
    client.requestReply(topic, type, payload, { ...requestOptions, headers }).then((result: Reply) => {
      release();
      answer(reply, started, sendReply, result);
    }, failed);
  }

  // Not async: the answer goes out from the reply's promise chain, so a
  // request costs neither an async frame nor Fastify awaiting the handler.
  function handler(request: FastifyRequest, reply: FastifyReply): void {
    const started = performance.now();
    if (cap.over) {
      fail(reply, started, overCap);
      return;
    }
    const refusal = ctx.admission.refusal();
    if (refusal !== undefined) {
      fail(reply, started, refusal);
      return;
    }
    if (deeperThan(request.body, ctx.maxJsonDepth)) {
      fail(reply, started, tooDeep);
      return;
    }
    // A route request over a WebSocket holds a slot of its socket's identity already.
    if (routeRequests?.isRouteRequest(request)) {
      void authorized(authorize, { op: 'request', topic, type, request }).then((allowed) =>
        allowed ? forward(request, reply, started, undefined, routeRequests.identityOf(request)) : fail(reply, started, forbidden),
      );
      return;
    }
    const who = identity(request);
    if (!limits.acquire(who)) {
      observe((performance.now() - started) / 1000);
      sendFailure(reply, tooMany, ctx);
      return;
    }
    forward(request, reply, started, who, who);
  }

  return {
    method: route.method,
    url,
    handler,
    config: { streamerson: route },
    ...(route.schema === undefined ? {} : { schema: route.schema }),
    ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
    errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
      const f = toFailure(error);
      ctx.report(error, f, request, 'http');
      return sendFailure(reply, f, ctx);
    },
  };
}
