/**
 * The WebSocket endpoint: @fastify/websocket with a frame size bound, connections authorized before the upgrade.
 * The plugin is registered in a scope of the endpoint alone: its onRequest and onResponse hooks are then steps of
 * the upgrade route only, not of every HTTP request (docs/GATEWAY.md §4). Its server is still `fastify.websocketServer`.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorized } from '../authorize.js';
import { failure } from '../errors.js';
import { sendFailure } from '../http/route.js';
import type { GatewayConfig } from '../options.js';
import { originAllowed } from './origin.js';
import { WsSession, type SessionContext } from './session.js';

export async function registerWebSocket(
  fastify: FastifyInstance,
  ws: NonNullable<GatewayConfig['ws']>,
  ctx: SessionContext & { readonly retryAfterSeconds: number },
  sessions: Set<WsSession>,
): Promise<void> {
  if (fastify.hasDecorator('websocketServer')) {
    // The application registered @fastify/websocket itself: the endpoint is one more of its routes.
    addEndpoint(fastify, ws, ctx, sessions);
    return;
  }
  await fastify.register(async (scope) => {
    // Over maxPayload, ws closes the socket with 1009 (message too big).
    await scope.register(websocket, { options: { maxPayload: ws.maxPayload } });
    addEndpoint(scope, ws, ctx, sessions);
    fastify.decorate('websocketServer', scope.websocketServer);
  });
}

function addEndpoint(
  fastify: FastifyInstance,
  ws: NonNullable<GatewayConfig['ws']>,
  ctx: SessionContext & { readonly retryAfterSeconds: number },
  sessions: Set<WsSession>,
): void {
  fastify.route({
    method: 'GET',
    url: ws.path,
    schema: { hide: true },
    async preValidation(request: FastifyRequest, reply: FastifyReply) {
      if (!originAllowed(ws.origins, request))
        return sendFailure(reply, failure(403, 'ERR_STREAMERSON_FORBIDDEN', 'this page origin may not open the socket'), ctx);
      if (!(await authorized(ctx.authorize, { op: 'connect', topic: undefined, type: undefined, request }))) {
        return sendFailure(reply, failure(403, 'ERR_STREAMERSON_FORBIDDEN', 'connection refused'), ctx);
      }
      return undefined;
    },
    handler(_request: FastifyRequest, reply: FastifyReply) {
      return sendFailure(reply, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'this endpoint speaks WebSocket only'), ctx);
    },
    wsHandler(socket, request) {
      const session = new WsSession(socket, request, ctx);
      sessions.add(session);
      socket.once('close', () => sessions.delete(session));
    },
  });
}
