/**
 * The body timeout: a request whose body has not fully arrived `bodyTimeout`
 * ms after its headers is answered 408 (`ERR_STREAMERSON_TIMEOUT`) and its
 * connection closed, so a client sending a byte now and then cannot hold a
 * connection and a parser for ever. Node's `headersTimeout` already bounds the
 * headers; Fastify's own `requestTimeout` is off by default.
 *
 * Requests without a body cost nothing, and a body costs a timer and two
 * listeners: it is read straight from the request stream, and a late one is
 * failed by emitting the timeout on that stream, where Fastify's body reader
 * listens for errors and answers them through the error handler. Destroying
 * the stream instead would close the socket the 408 goes out on, and piping
 * every body through a stream of its own that could be failed cost several
 * µs per request (docs/BENCHMARKS.md). When nothing listens (a parser that
 * has not started reading), the timeout is answered directly.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The error a late body fails with; Fastify answers it through the error handler. */
export class BodyTimeoutError extends Error {
  readonly statusCode = 408;
  readonly code = 'ERR_STREAMERSON_TIMEOUT';
  constructor(ms: number) {
    super(`the request body did not arrive within ${ms} ms`);
    this.name = 'BodyTimeoutError';
  }
}

/** Whether a request has a body to read (RFC 9112 §6.3: neither Content-Length nor Transfer-Encoding means none). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Adds the timeout to every request with a body, on the routes registered after it. */
export function addBodyTimeout(fastify: FastifyInstance, ms: number): void {
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (!hasBody(request.headers)) {
      done(null, payload);
      return;
    }
    const timer = setTimeout(() => expire(request, reply, payload, ms), ms);
    const settled = (): void => clearTimeout(timer);
    // Not every request stream closes after its end (`inject`'s does not): the end settles it too.
    payload.once('end', settled);
    payload.once('close', settled);
    done(null, payload);
  });
}

/** Answers a body still arriving after `ms` with 408 and closes its connection, whose rest of a body will not be read. */
function expire(request: FastifyRequest, reply: FastifyReply, payload: Readable, ms: number): void {
  // Answered without reading the body (too large, unsupported type): nothing waits for it.
  if (reply.sent) return;
  reply.header('connection', 'close');
  reply.raw.once('finish', () => request.raw.socket?.destroy());
  const error = new BodyTimeoutError(ms);
  if (payload.listenerCount('error') > 0) payload.emit('error', error);
  else reply.send(error);
}
