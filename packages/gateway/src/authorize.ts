/**
 * Authorization of WebSocket connections and of topic operations (WebSocket
 * and SSE). The hook sees the upgrade or SSE request, with `request.auth` as
 * the application's Fastify hooks set it.
 */
import type { FastifyRequest } from 'fastify';
import { REPLY_STREAM_PREFIX } from '@streamerson/service';

/** Operations the hook decides. `connect` has no topic. */
export type GatewayOperation = 'connect' | 'request' | 'publish' | 'subscribe';

/** What the authorization hook decides on. */
export interface AuthorizeContext {
  readonly op: GatewayOperation;
  /** The topic of a `request`, `publish` or `subscribe`; undefined for `connect`. */
  readonly topic: string | undefined;
  /** The message type of a `request` or `publish`. */
  readonly type: string | undefined;
  /** The HTTP request that opened the WebSocket or SSE stream. */
  readonly request: FastifyRequest;
}

/** Resolves true to allow. Without a hook, connections are allowed and every topic operation refused. */
export type AuthorizeHook = (ctx: AuthorizeContext) => boolean | Promise<boolean>;

/**
 * Reply streams belong to the clients that read them: no hook can open them to
 * a WebSocket or SSE client, whatever it returns.
 */
export function isReservedTopic(topic: string): boolean {
  return topic.startsWith(REPLY_STREAM_PREFIX);
}

/** Applies the reserved-topic rule, then the hook (or the default policy). */
export async function authorized(hook: AuthorizeHook | undefined, ctx: AuthorizeContext): Promise<boolean> {
  if (ctx.topic !== undefined && isReservedTopic(ctx.topic)) return false;
  if (hook === undefined) return ctx.op === 'connect';
  try {
    return (await hook(ctx)) === true;
  } catch {
    return false;
  }
}
