/**
 * What a worker may trust (docs/PROTOCOL.md §3, docs/GATEWAY.md "Security"):
 * the gateway writes the `gateway` and `auth` headers itself on every message
 * it sends for a client, and a client has no way to set message headers
 * through it. A payload is whatever the client sent (a WebSocket client can
 * write an HTTP envelope with any `auth` in it); identity is read from the
 * headers only.
 */
import { AUTH_HEADER, GATEWAY_HEADER, type Headers } from '@streamerson/core';
import type { HttpRequest } from './envelope.js';

/** How a client reached the gateway: an HTTP route (also over a WebSocket route request), or a WebSocket topic request or publish. */
export type GatewayVia = 'http' | 'ws';

const PLAIN: Readonly<Record<GatewayVia, Headers>> = Object.freeze({
  http: Object.freeze({ [GATEWAY_HEADER]: 'http' }),
  ws: Object.freeze({ [GATEWAY_HEADER]: 'ws' }),
});

/** The headers a gateway writes for a client that reached it `via`, identified as `auth` (`request.auth`; null or undefined for none). */
export function gatewayHeaders(via: GatewayVia, auth: unknown): Headers {
  if (auth === null || auth === undefined) return PLAIN[via];
  return { [GATEWAY_HEADER]: via, [AUTH_HEADER]: JSON.stringify(auth) };
}

/**
 * For workers: the identity a gateway attached to a message (its `auth`
 * header, parsed), or null when the message has none — never read from the
 * payload, which a client may have written.
 */
export function gatewayAuth(headers: Headers): unknown {
  const auth = headers[AUTH_HEADER];
  if (headers[GATEWAY_HEADER] === undefined || auth === undefined) return null;
  try {
    return JSON.parse(auth) as unknown;
  } catch {
    return null;
  }
}

/**
 * For workers: the HTTP envelope of a message a gateway built for one of its
 * HTTP routes (`gateway: http`), with `auth` from the header; null for any
 * other message — a WebSocket client's payload that looks like an envelope
 * included.
 */
export function trustedHttpRequest<Body = unknown, Auth = unknown>(payload: unknown, headers: Headers): HttpRequest<Body, Auth> | null {
  if (headers[GATEWAY_HEADER] !== 'http' || typeof payload !== 'object' || payload === null) return null;
  return { ...(payload as HttpRequest<Body, Auth>), auth: gatewayAuth(headers) as Auth | null };
}
