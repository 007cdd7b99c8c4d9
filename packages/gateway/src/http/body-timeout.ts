/**
 * The body timeout: a request whose body has not fully arrived `bodyTimeout`
 * ms after its headers is answered 408 (`ERR_STREAMERSON_TIMEOUT`) and its
 * connection closed, so a client sending a byte now and then cannot hold a
 * connection and a parser for ever. Node's `headersTimeout` already bounds the
 * headers; Fastify's own `requestTimeout` is off by default.
 *
 * Requests without a body cost nothing. Fastify's hooks run while Node is
 * still parsing the headers, so a body is never complete yet when they run:
 * each one is piped through a stream of its own that the timer can fail
 * without destroying the socket the 408 goes out on. The pipe is wired by
 * hand (`pipe` and four listeners) because `stream.pipeline` costs an
 * AbortController and its DOMException per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
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
    const body = new PassThrough();
    const timer = setTimeout(() => {
      // Answered without reading the body (too large, unsupported type): nothing waits for it.
      if (reply.sent) return;
      // The rest of the body will not be read: the connection cannot serve another request.
      reply.header('connection', 'close');
      reply.raw.once('finish', () => request.raw.socket?.destroy());
      payload.unpipe(body);
      body.destroy(new BodyTimeoutError(ms));
    }, ms);
    relay(payload, body, () => clearTimeout(timer));
    done(null, body);
  });
}

/** Pipes `from` into `to`: an error of `from` fails `to`, and so does its closing before the end; `settled` hears of either end. */
function relay(from: Readable, to: PassThrough, settled: () => void): void {
  from.on('error', (error) => to.destroy(error));
  // Not every request stream closes after its end (`inject`'s does not): the end settles it too.
  from.once('end', settled);
  from.once('close', () => {
    settled();
    if (!from.readableEnded) to.destroy(new Error('the request was closed before its body ended'));
  });
  from.pipe(to);
}
