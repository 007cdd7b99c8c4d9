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
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Header marking a route request made over a WebSocket; its value is the gateway's secret. */
export const WS_ROUTE_HEADER = 'x-streamerson-ws-route';

/** Upgrade headers that describe the socket, not the requests made over it. */
const SOCKET_HEADERS = new Set(['connection', 'upgrade', 'content-length', 'content-type', 'transfer-encoding', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

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

  /** Whether a request came over a WebSocket of this gateway. */
  isRouteRequest(request: FastifyRequest): boolean {
    return request.headers[WS_ROUTE_HEADER] === this.secret;
  }

  async request(upgrade: FastifyRequest, method: string, url: string, body: unknown): Promise<RouteAnswer> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(upgrade.headers)) {
      if (typeof value === 'string' && !SOCKET_HEADERS.has(name)) headers[name] = value;
    }
    headers[WS_ROUTE_HEADER] = this.secret;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fastify.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string' && !DROPPED.has(name)) out[name] = value;
    const type = out['content-type'] ?? '';
    if (res.rawPayload.length === 0) return { status: res.statusCode, headers: out };
    if (type.startsWith('application/json')) return { status: res.statusCode, headers: out, payload: res.json() };
    if (type.startsWith('text/')) return { status: res.statusCode, headers: out, payload: res.body };
    return { status: res.statusCode, headers: out, payloadBase64: res.rawPayload.toString('base64') };
  }
}
