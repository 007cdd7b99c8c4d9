/**
 * The body timeout: a request whose body has not fully arrived `bodyTimeout`
 * ms after its headers is answered 408 (`ERR_STREAMERSON_TIMEOUT`) and its
 * connection closed, so a client sending a byte now and then cannot hold a
 * connection and a parser for ever. Node's `headersTimeout` already bounds the
 * headers; Fastify's own `requestTimeout` is off by default.
 *
 * Requests without a body cost nothing, and a body costs an entry in a map
 * swept by one shared interval, and one listener: it is read straight from
 * the request stream, and a late one is failed by emitting the timeout on
 * that stream, where Fastify's body reader listens for errors and answers
 * them through the error handler. Destroying the stream instead would close
 * the socket the 408 goes out on, and piping every body through a stream of
 * its own that could be failed cost several µs per request
 * (docs/BENCHMARKS.md). When nothing listens (a parser that has not started
 * reading), the timeout is answered directly.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, preParsingHookHandler } from 'fastify';

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

/** Sweeps per `bodyTimeout`: a late body is answered at most a tenth of it late. */
const SWEEPS_PER_TIMEOUT = 10;

/** A body on its way: the reply that answers it if late, and when it is late (`performance.now()` ms). */
interface Pending {
  readonly reply: FastifyReply;
  readonly deadline: number;
}

/**
 * The bodies on their way, in arrival order, which is deadline order: one
 * interval, running while there are any, answers those past their deadline,
 * so a request costs a map entry instead of a timer of its own. A body is
 * answered between `ms` and `ms` + `ms` / 10 after its headers. A body
 * leaves the map at its end; one whose connection closed first leaves it at
 * its deadline, unanswered. So the map holds at most one entry per open
 * connection and one per connection closed mid-body within the last `ms`.
 */
class BodyDeadlines {
  readonly #pending = new Map<Readable, Pending>();
  readonly #sweepMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** Listener of every body's end, called with the stream as `this`: no closure per request. */
  readonly #settled: (this: Readable) => void;

  constructor(readonly ms: number) {
    this.#sweepMs = Math.max(1, Math.ceil(ms / SWEEPS_PER_TIMEOUT));
    const pending = this.#pending;
    this.#settled = function settled(this: Readable) {
      pending.delete(this);
    };
  }

  add(reply: FastifyReply, payload: Readable): void {
    this.#pending.set(payload, { reply, deadline: performance.now() + this.ms });
    payload.on('end', this.#settled);
    this.#timer ??= setInterval(() => this.#sweep(), this.#sweepMs).unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #sweep(): void {
    const now = performance.now();
    for (const [payload, { reply, deadline }] of this.#pending) {
      if (deadline > now) return;
      this.#pending.delete(payload);
      // Its connection closed mid-body: no one to answer.
      if (!payload.destroyed) expire(reply, payload, this.ms);
    }
    // Nothing on its way: the next body starts the interval again.
    this.close();
  }
}

/**
 * Methods whose bodies Fastify never reads (its default: it answers them
 * without parsing a body), so a body timeout has nothing to bound on them.
 */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

/**
 * Adds the timeout to every request with a body, on the routes registered
 * after it whose methods carry one: the hook is the route's, so `GET /hello`
 * runs no preParsing step at all.
 */
export function addBodyTimeout(fastify: FastifyInstance, ms: number): void {
  const deadlines = new BodyDeadlines(ms);
  const hook: preParsingHookHandler = (request, reply, payload, done) => {
    if (hasBody(request.headers)) deadlines.add(reply, payload);
    done(null, payload);
  };
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => BODYLESS.has(method))) return;
    // First, as the instance hook it replaces ran before the route's own.
    route.preParsing = route.preParsing === undefined ? hook : [hook, ...[route.preParsing].flat()];
  });
  fastify.addHook('onClose', (_instance, done) => {
    deadlines.close();
    done();
  });
}

/** Answers a body still arriving after `ms` with 408 and closes its connection, whose rest of a body will not be read. */
function expire(reply: FastifyReply, payload: Readable, ms: number): void {
  // Answered without reading the body (too large, unsupported type): nothing waits for it.
  if (reply.sent) return;
  reply.header('connection', 'close');
  reply.raw.once('finish', () => reply.request.raw.socket?.destroy());
  const error = new BodyTimeoutError(ms);
  if (payload.listenerCount('error') > 0) payload.emit('error', error);
  else reply.send(error);
}
