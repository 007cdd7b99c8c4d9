/**
 * Which web pages may open the WebSocket endpoint. A browser sends the page's
 * `Origin` with every upgrade and lets any page open a socket to any host,
 * cookies included; without this check, with cookie-based authentication any
 * page a logged-in user visits could act for them (cross-site WebSocket
 * hijacking). Upgrades without `Origin` come from programs, not pages, and are
 * left to the authorization hook.
 */
import { InvalidOptionError } from '@streamerson/core';
import type { FastifyRequest } from 'fastify';

/**
 * `'same-origin'`: the origin's host (and port) must be the request's `Host`;
 * `'*'`: any origin; a list: exactly these origins (`https://app.example.com`).
 */
export type WsOrigins = 'same-origin' | '*' | readonly string[];

/** Default origin policy: pages served by the gateway's own host only. */
export const DEFAULT_WS_ORIGINS = 'same-origin';

/** The parsed policy: a set holds allowed origins in their normalized form. */
export type OriginPolicy = 'same-origin' | '*' | ReadonlySet<string>;

/** Parses `ws.origins`; throws InvalidOptionError naming the bad entry. */
export function parseOrigins(value: unknown): OriginPolicy {
  if (value === undefined) return DEFAULT_WS_ORIGINS;
  if (value === 'same-origin' || value === '*') return value;
  if (!Array.isArray(value)) throw new InvalidOptionError('ws.origins', `expected 'same-origin', '*' or an array of origins, got ${JSON.stringify(value)}`);
  return new Set(
    value.map((o: unknown, i) => {
      const origin = typeof o === 'string' ? normalize(o) : undefined;
      if (origin === undefined)
        throw new InvalidOptionError(`ws.origins.${i}`, `expected an origin such as "https://app.example.com", got ${JSON.stringify(o)}`);
      return origin;
    }),
  );
}

/** `scheme://host[:port]` as URL gives it (lower case, default port left out); undefined when `text` is not just an origin. */
function normalize(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return bare && url.origin !== 'null' ? url.origin : undefined;
}

/** Whether the upgrade request's `Origin` is allowed by the policy. */
export function originAllowed(policy: OriginPolicy, request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || policy === '*') return true;
  if (typeof origin !== 'string') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === 'null') return false;
  if (policy === 'same-origin') return typeof request.headers.host === 'string' && url.host === request.headers.host.toLowerCase();
  return policy.has(url.origin);
}
