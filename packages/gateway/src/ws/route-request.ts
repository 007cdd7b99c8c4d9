/**
 * HTTP routes of the gateway requested over a WebSocket
 * (`{op:'request', id, route:'POST /todos', body}`). The request goes through
 * Fastify itself (`inject`), with the headers of the socket's upgrade request:
 * the application's hooks (and so `request.auth`), the route schema and the
 * error answers are exactly those of the HTTP route. A per-gateway secret
 * header marks these requests; only gateway routes answer them, and the
 * authorization hook decides each (`op: 'request'` on the route's topic).
 */
import { randomBytes } from 'node:crypto';
import { StreamersonError } from '@streamerson/core';
import type { FastifyInstance, FastifyRequest, InjectOptions, LightMyRequestResponse } from 'fastify';
import { fastifyFailure, failure, type GatewayFailure } from '../errors.js';

/** Header marking a route request made over a WebSocket; its value is the gateway's secret. */
export const WS_ROUTE_HEADER = 'x-streamerson-ws-route';

/** Header carrying the identity of the socket a route request came over (see the `identity` option). */
export const WS_IDENTITY_HEADER = 'x-streamerson-ws-identity';

/** Upgrade headers that describe the socket, not the requests made over it. */
const SOCKET_HEADERS = new Set([
  'connection',
  'upgrade',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/** The answer to a route request. */
export interface RouteAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly payload?: unknown;
  readonly payloadBase64?: string;
}

/** Headers of the answer that say nothing to a WebSocket client. */
const DROPPED = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

export class RouteRequests {
  /** Known only to this process: a client cannot forge a route request over plain HTTP. */
  readonly secret = randomBytes(16).toString('hex');

  constructor(private readonly fastify: FastifyInstance) {}

  /** The identity of the socket a route request came over; call only when {@link isRouteRequest}. */
  identityOf(request: FastifyRequest): string {
    return String(request.headers[WS_IDENTITY_HEADER]);
  }

  /** Whether a request came over a WebSocket of this gateway. */
  isRouteRequest(request: FastifyRequest): boolean {
    return request.headers[WS_ROUTE_HEADER] === this.secret;
  }

  /**
   * Runs a route request of the socket opened by `upgrade`, whose identity is
   * `identity`; `extra` headers (trace context, idempotency key of the frame)
   * replace the upgrade's.
   */
  async request(
    upgrade: FastifyRequest,
    identity: string,
    method: string,
    url: string,
    body: unknown,
    extra?: Readonly<Record<string, string>>,
  ): Promise<RouteAnswer> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(upgrade.headers)) {
      if (typeof value === 'string' && !SOCKET_HEADERS.has(name)) headers[name] = value;
    }
    if (extra !== undefined) Object.assign(headers, extra);
    headers[WS_ROUTE_HEADER] = this.secret;
    headers[WS_IDENTITY_HEADER] = identity;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await inject(this.fastify, { method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string' && !DROPPED.has(name)) out[name] = value;
    const type = out['content-type'] ?? '';
    if (res.rawPayload.length === 0) return { status: res.statusCode, headers: out };
    if (type.startsWith('application/json')) {
      const payload = parseJson(res.body);
      if (payload !== undefined) return { status: res.statusCode, headers: out, payload };
    } else if (type.startsWith('text/')) {
      return { status: res.statusCode, headers: out, payload: res.body };
    }
    return { status: res.statusCode, headers: out, payloadBase64: res.rawPayload.toString('base64') };
  }
}

/**
 * `fastify.inject` with every failure as a rejection: its promise form
 * validates the options on a later tick, where a throw would end the process.
 */
function inject(fastify: FastifyInstance, options: InjectOptions): Promise<LightMyRequestResponse> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | undefined, res?: LightMyRequestResponse): void => {
      if (res !== undefined) resolve(res);
      else if ((err as { code?: unknown } | undefined)?.code === 'FST_ERR_REOPENED_CLOSE_SERVER')
        reject(new StreamersonError('ERR_STREAMERSON_UNAVAILABLE', 'the gateway is shutting down'));
      else reject(new StreamersonError('ERR_STREAMERSON_BAD_REQUEST', 'the route request is not a valid HTTP request'));
    };
    try {
      fastify.inject(options, done);
    } catch (err) {
      done(err as Error);
    }
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A failed route answer in the body Fastify writes itself before any handler
 * runs (a bad URL, a path parameter too long, the 503 of a closing server) as
 * a coded failure; undefined for any other answer.
 */
export function fastifyAnswerFailure(answer: RouteAnswer): GatewayFailure | undefined {
  const body = answer.payload as { readonly error?: unknown; readonly code?: unknown; readonly statusCode?: unknown } | undefined;
  if (answer.status < 400 || typeof body?.statusCode !== 'number' || typeof body.error !== 'string') return undefined;
  if (answer.status === 503) return failure(503, 'ERR_STREAMERSON_UNAVAILABLE', 'the gateway is shutting down', true);
  return fastifyFailure({ code: body.code, statusCode: answer.status }) ?? failure(answer.status, 'ERR_STREAMERSON_INTERNAL', 'internal gateway error');
}
