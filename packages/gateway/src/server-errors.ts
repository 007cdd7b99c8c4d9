/**
 * The whole server in the coded envelope (`{"error":{"code","message"}}`),
 * also for what Fastify answers itself before any route or hook runs. Two
 * parts, because Fastify takes some handlers only when it is made:
 *
 * ```ts
 * const app = Fastify({ ...codedServerOptions() });
 * await app.register(streamersonGateway, { engine, errorHandler: true });
 * ```
 *
 * `codedServerOptions()` answers a URL that is not valid percent-encoded UTF-8,
 * a path parameter over `maxParamLength`, a request Node's parser refuses (an
 * unknown method, bad framing, headers too large, a request timeout), and lets
 * the gateway answer the requests that arrive while the server closes; the
 * plugin's `errorHandler: true` answers every route's errors (malformed JSON,
 * bodies too large on any route, the application's own throws) and, with the
 * plugin's default `notFound`, unknown routes.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { errorBody, failure, fastifyFailure, type GatewayFailure } from './errors.js';

/** The Fastify server options of {@link codedServerOptions}. */
export type CodedServerOptions = Required<Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler' | 'return503OnClosing'>>;

function send(reply: FastifyReply, f: GatewayFailure): void {
  const gateway = reply.server.hasDecorator('streamerson') ? reply.server.streamerson : undefined;
  gateway?.countError(f.code);
  void reply
    .code(f.status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(f)));
}

/** Errors of the router, before any route is chosen. */
function frameworkErrors(error: { code?: unknown }, _request: FastifyRequest, reply: FastifyReply): void {
  send(reply, fastifyFailure(error) ?? failure(500, 'ERR_STREAMERSON_INTERNAL', 'internal gateway error'));
}

/** Requests Node's HTTP parser refuses: answered on the raw socket, which is then closed. */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const f =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? failure(408, 'ERR_STREAMERSON_TIMEOUT', 'the request did not arrive in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? failure(431, 'ERR_STREAMERSON_TOO_LARGE', 'the request headers are too large')
        : failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'malformed HTTP request');
  const body = JSON.stringify(errorBody(f));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${f.status} ${STATUS_CODES[f.status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Fastify server options that make its own answers coded; spread them into
 * `Fastify({...})`. `return503OnClosing` is off so that the requests arriving
 * while the server closes reach the gateway, which answers them
 * `503 ERR_STREAMERSON_UNAVAILABLE` and closes their connection.
 */
export function codedServerOptions(): CodedServerOptions {
  return {
    frameworkErrors: frameworkErrors as CodedServerOptions['frameworkErrors'],
    clientErrorHandler,
    return503OnClosing: false,
  };
}
