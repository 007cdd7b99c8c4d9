/**
 * Failures the gateway answers with a 5xx are logged through Fastify's
 * logger (`request.log`, so with the request id) and emitted as `'error'` on
 * the gateway, with the message id when a message was written: the gateway's
 * error handlers replace Fastify's default one, which was what logged them.
 * 4xx answers are the client's doing and are only counted.
 */
import type { EventEmitter } from 'node:events';
import type { FastifyRequest } from 'fastify';
import type { GatewayFailure } from './errors.js';

/** What an `'error'` event of the gateway tells besides the error. */
export interface GatewayErrorContext {
  readonly status: number;
  readonly code: string;
  /** `http` for an HTTP answer (also a WebSocket route request), `ws` for a WebSocket operation. */
  readonly via: 'http' | 'ws';
  /** Fastify's id of the HTTP request, or of the upgrade request of the socket. */
  readonly requestId: string;
  /** The method and path (no query string) of the request, or of the upgrade. */
  readonly method: string;
  readonly path: string;
  /** The id of the request message the failure is about, when one was written. */
  readonly messageId: string | undefined;
}

/** The events of a gateway. */
export interface GatewayEvents {
  /** A failure answered with a 5xx (also logged); emitted only while an `'error'` listener exists. */
  error: [error: unknown, context: GatewayErrorContext];
}

/** Logs and emits a failure that is answered with a 5xx. */
export type ReportFailure = (error: unknown, failure: GatewayFailure, request: FastifyRequest, via: 'http' | 'ws') => void;

export function failureReporter(emitter: EventEmitter<GatewayEvents>): ReportFailure {
  return (error, failure, request, via) => {
    if (failure.status < 500) return;
    const messageId = (error as { messageId?: unknown } | null)?.messageId;
    const context: GatewayErrorContext = {
      status: failure.status,
      code: failure.code,
      via,
      requestId: request.id,
      method: request.method,
      path: request.url.split('?')[0] ?? '',
      messageId: typeof messageId === 'string' ? messageId : undefined,
    };
    request.log.error({ err: error, ...context }, `${context.method} ${context.path}: ${failure.status} ${failure.code}`);
    if (emitter.listenerCount('error') > 0) emitter.emit('error', error, context);
  };
}
