/**
 * The body timeout: a request whose body has not fully arrived `bodyTimeout`
 * ms after its headers is answered 408 (`ERR_STREAMERSON_TIMEOUT`) and its
 * connection closed, so a client sending a byte now and then cannot hold a
 * connection and a parser for ever. Node's `headersTimeout` already bounds the
 * headers; Fastify's own `requestTimeout` is off by default.
 */
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';

/** The error a late body fails with; Fastify answers it through the error handler. */
export class BodyTimeoutError extends Error {
  readonly statusCode = 408;
  readonly code = 'ERR_STREAMERSON_TIMEOUT';
  constructor(ms: number) {
    super(`the request body did not arrive within ${ms} ms`);
    this.name = 'BodyTimeoutError';
  }
}

/** Adds the timeout to every request with a body, on the routes registered after it. */
export function addBodyTimeout(fastify: FastifyInstance, ms: number): void {
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    // Most bodies have arrived with their headers: nothing to wait for.
    if (request.raw.complete) {
      done(null, payload);
      return;
    }
    const body = new PassThrough();
    const timer = setTimeout(() => {
      // The rest of the body will not be read: the connection cannot serve another request.
      reply.header('connection', 'close');
      reply.raw.once('finish', () => request.raw.socket?.destroy());
      body.destroy(new BodyTimeoutError(ms));
    }, ms);
    pipeline(payload, body).then(() => clearTimeout(timer), () => clearTimeout(timer));
    done(null, body);
  });
}
