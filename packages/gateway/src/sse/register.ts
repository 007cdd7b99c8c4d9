/**
 * `GET <path>/<topic>`: a topic as `text/event-stream`. `Last-Event-ID` (or the
 * `lastEventId` query parameter, for clients that cannot set headers) resumes
 * exactly after that entry.
 */
import { isStreamId, validateTopic } from '@streamerson/core';
import type { Admission } from '../admission.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorized, type AuthorizeHook } from '../authorize.js';
import { failure, toFailure } from '../errors.js';
import type { TopicHub } from '../hub/topic-hub.js';
import { sendFailure } from '../http/route.js';
import type { GatewayMetrics } from '../metrics.js';
import type { GatewayConfig } from '../options.js';
import type { ReportFailure } from '../report.js';
import { SseStream } from './sse-stream.js';

/** What the SSE endpoint needs. */
export interface SseContext {
  readonly admission: Admission;
  readonly hub: TopicHub;
  readonly metrics: GatewayMetrics;
  readonly authorize: AuthorizeHook | undefined;
  readonly retryAfterSeconds: number;
  readonly report: ReportFailure;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Proxies such as nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

function lastEventId(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  const query = (request.query as Record<string, unknown>)['lastEventId'];
  return typeof query === 'string' && query !== '' ? query : undefined;
}

export function registerSse(fastify: FastifyInstance, sse: NonNullable<GatewayConfig['sse']>, ctx: SseContext, streams: Set<SseStream>): void {
  fastify.get(`${sse.path}/*`, { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const topic = (request.params as Record<string, string>)['*'] ?? '';
    try {
      validateTopic(topic);
    } catch {
      return sendFailure(reply, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'not a valid topic name'), ctx);
    }
    const from = lastEventId(request);
    if (from !== undefined && !isStreamId(from))
      return sendFailure(reply, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', 'Last-Event-ID must be a stream entry id'), ctx);
    if (!(await authorized(ctx.authorize, { op: 'subscribe', topic, type: undefined, request }))) {
      return sendFailure(reply, failure(403, 'ERR_STREAMERSON_FORBIDDEN', `subscribe on "${topic}" is not allowed`), ctx);
    }
    const refusal = ctx.admission.refusal();
    if (refusal !== undefined) return sendFailure(reply, toFailure(refusal), ctx);
    // Headers go first: from the subscription on, events may be written at any time.
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, SSE_HEADERS);
    res.write(': subscribed\n\n');
    const stream = new SseStream(res, sse.heartbeatMs, sse.maxBufferedBytes, () => ctx.metrics.slowConsumer());
    streams.add(stream);
    res.once('close', () => streams.delete(stream));
    try {
      const sub = await ctx.hub.subscribe(topic, stream, from);
      stream.attach(sub);
      await sub.catchUp();
    } catch (err) {
      const f = toFailure(err);
      ctx.report(err, f, request, 'http');
      ctx.metrics.error(f.code);
      stream.fail(f.code, f.message);
    }
    return reply;
  });
}
