/**
 * One WebSocket connection: answers request/publish/subscribe/unsubscribe
 * frames and receives events of its subscriptions from the shared hub.
 * Operations take effect in the order their frames arrived: each one starts
 * (is authorized, then written, subscribed or unsubscribed) only after the one
 * before it started, while the waits for replies overlap. At most
 * `maxInFlight` operations of a socket, and `maxInFlightPerIdentity` of its
 * identity, are under way; one more is answered 429 at once. Every
 * send goes through one bound: past `maxBufferedBytes` unsent, the socket is
 * closed with {@link SLOW_CONSUMER_CLOSE_CODE} and its subscriptions end; other
 * sockets are not affected.
 */
import type { Headers } from '@streamerson/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { authorized, type AuthorizeHook, type GatewayOperation } from '../authorize.js';
import { failure, toFailure, type ErrorBody, type GatewayFailure } from '../errors.js';
import type { HubEvent } from '../hub/event.js';
import { whenRoom } from '../hub/room.js';
import { SLOW_CLOSE_GRACE_MS } from '../hub/slow.js';
import type { EventSink, Subscription, TopicHub } from '../hub/topic-hub.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Client } from '@streamerson/service';
import type { Admission } from '../admission.js';
import { isBadFrame, parseFrame, type ClientFrame, type FrameId } from './frames.js';
import type { ReportFailure } from '../report.js';
import { gatewayHeaders } from '../trust.js';
import { fastifyAnswerFailure, type RouteRequests } from './route-request.js';
import { tooManyInFlight, type IdentityLimits, type IdentityOf } from '../limits/in-flight.js';

/** Close code of a socket dropped for falling behind; the reason is `ERR_STREAMERSON_SLOW_CONSUMER`. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

const OPEN = 1;

/** What sessions share. */
export interface SessionContext {
  readonly admission: Admission;
  readonly client: Client;
  readonly hub: TopicHub;
  readonly metrics: GatewayMetrics;
  readonly authorize: AuthorizeHook | undefined;
  readonly timeout: number;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  /** Operations under way per socket. */
  readonly maxInFlight: number;
  readonly limits: IdentityLimits;
  readonly identity: IdentityOf;
  readonly maxJsonDepth: number;
  readonly routes: RouteRequests;
  readonly report: ReportFailure;
}

/** An operation once started: what is left of it (waiting for its reply, catching up). */
type Started = { readonly rest: Promise<void> } | undefined;

const CONNECTION_FULL = tooManyInFlight('connection');
const IDENTITY_FULL = tooManyInFlight('identity');

export class WsSession implements EventSink {
  /** Topic → subscription. */
  private readonly subs = new Map<string, Subscription>();
  private closed = false;
  /** Where the next operation starts: after the one before it started. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Operations received and not yet answered. */
  private inFlight = 0;
  private readonly identity: string;
  /** The headers of this socket's messages (`gateway: ws`, its `auth`); made at the first request or publish. */
  private headers: Headers | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
    private readonly ctx: SessionContext,
  ) {
    this.identity = ctx.identity(request);
    socket.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
  }

  /** Subscriptions of this socket. */
  get subscriptions(): number {
    return this.subs.size;
  }

  send(event: HubEvent): boolean {
    if (this.socket.readyState !== OPEN) return true;
    if (this.socket.bufferedAmount > this.ctx.maxBufferedBytes) return false;
    this.socket.send(event.frame, { binary: false });
    return true;
  }

  whenRoom(): Promise<void> {
    return whenRoom(
      () => this.socket.bufferedAmount > this.ctx.maxBufferedBytes / 2,
      () => this.closed || this.socket.readyState !== OPEN,
    );
  }

  overflow(): void {
    if (this.closed) return;
    this.ctx.metrics.slowConsumer();
    this.end();
    this.socket.close(SLOW_CONSUMER_CLOSE_CODE, 'ERR_STREAMERSON_SLOW_CONSUMER');
    setTimeout(() => this.socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Closes the socket (gateway closing: 1001); `terminate` cuts it without a close frame. */
  shutdown(terminate: boolean): void {
    this.end();
    if (terminate) this.socket.terminate();
    else this.socket.close(1001, 'the gateway is closing');
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) sub.close();
    this.subs.clear();
  }

  private sendJson(frame: object): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > this.ctx.maxBufferedBytes) {
      this.overflow();
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  private sendError(id: FrameId | undefined, f: GatewayFailure): void {
    this.ctx.metrics.error(f.code);
    const error =
      f.details === undefined
        ? { code: f.code, message: f.message, status: f.status }
        : { code: f.code, message: f.message, status: f.status, details: f.details };
    this.sendJson(id === undefined ? { op: 'error', error } : { op: 'error', id, error });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    const frame = parseFrame(data, isBinary, this.ctx.maxJsonDepth);
    if (isBadFrame(frame)) {
      this.sendError(frame.id, frame.bad);
      return;
    }
    if (this.inFlight >= this.ctx.maxInFlight) {
      this.sendError(frame.id, CONNECTION_FULL);
      return;
    }
    if (!this.ctx.limits.acquire(this.identity)) {
      this.sendError(frame.id, IDENTITY_FULL);
      return;
    }
    this.inFlight++;
    const started = this.tail.then(() => this.start(frame));
    this.tail = started.catch(() => undefined);
    started
      .then((op) => op?.rest)
      .catch((err: unknown) => {
        const f = toFailure(err);
        this.ctx.report(err, f, this.request, 'ws');
        this.sendError(frame.id, f);
      })
      .finally(() => {
        this.inFlight--;
        this.ctx.limits.release(this.identity);
      });
  }

  /** The gateway's own headers (the connection's identity is the upgrade request's `auth`), and a frame's trace context. */
  private headersWith(trace: Headers | undefined): Headers {
    this.headers ??= gatewayHeaders('ws', this.request.auth);
    return trace === undefined ? this.headers : { ...this.headers, ...trace };
  }

  private async allowed(op: GatewayOperation, topic: string, type: string | undefined): Promise<boolean> {
    return authorized(this.ctx.authorize, { op, topic, type, request: this.request });
  }

  /**
   * Starts an operation: once this resolves its effect is under way in order
   * (message written or being written, subscription made or ended); `rest`
   * is the wait for its answer.
   */
  private async start(frame: ClientFrame): Promise<Started> {
    if (this.closed) return undefined;
    // A route request is authorized by the route, which knows its topic.
    if (frame.op === 'route')
      return { rest: this.route(frame.id, this.ctx.routes.request(this.request, this.identity, frame.method, frame.url, frame.body, frame.headers)) };
    const refusal = frame.op === 'unsubscribe' ? undefined : this.ctx.admission.refusal();
    if (refusal !== undefined) throw refusal;
    const type = frame.op === 'request' || frame.op === 'publish' ? frame.type : undefined;
    if (frame.op !== 'unsubscribe' && !(await this.allowed(frame.op, frame.topic, type))) {
      this.sendError(frame.id, failure(403, 'ERR_STREAMERSON_FORBIDDEN', `${frame.op} on "${frame.topic}" is not allowed`));
      return undefined;
    }
    switch (frame.op) {
      case 'request': {
        const timeout = Math.min(frame.timeout ?? this.ctx.timeout, this.ctx.timeout);
        const reply = this.ctx.client.request(frame.topic, frame.type, frame.payload, { timeout, headers: this.headersWith(frame.trace) });
        return { rest: reply.then((payload) => this.sendJson({ op: 'reply', id: frame.id, payload })) };
      }
      case 'publish': {
        const published = this.ctx.client.publish(frame.topic, frame.type, frame.payload, { headers: this.headersWith(frame.trace) });
        const { id } = frame;
        return { rest: published.then((entryId) => this.sendJson(id === undefined ? { op: 'published', entryId } : { op: 'published', id, entryId })) };
      }
      case 'subscribe':
        return this.subscribe(frame.id, frame.topic, frame.from);
      case 'unsubscribe': {
        const sub = this.subs.get(frame.topic);
        if (sub === undefined) {
          this.sendError(frame.id, failure(404, 'ERR_STREAMERSON_NOT_FOUND', `not subscribed to "${frame.topic}"`));
          return undefined;
        }
        sub.close();
        this.subs.delete(frame.topic);
        this.sendJson({ op: 'unsubscribed', id: frame.id, topic: frame.topic });
        return undefined;
      }
    }
  }

  private async route(id: FrameId, answered: ReturnType<RouteRequests['request']>): Promise<void> {
    const answer = await answered;
    const error = (answer.payload as Partial<ErrorBody> | undefined)?.error;
    if (answer.status >= 400 && typeof error?.code === 'string') {
      // Counted in the metrics by the HTTP route already.
      this.sendJson({ op: 'error', id, error: { ...error, status: answer.status } });
      return;
    }
    const made = fastifyAnswerFailure(answer);
    if (made !== undefined) {
      this.sendError(id, made);
      return;
    }
    this.sendJson({ op: 'reply', id, ...answer });
  }

  private async subscribe(id: FrameId | undefined, topic: string, from: string | undefined): Promise<Started> {
    if (this.subs.has(topic)) {
      this.sendError(id, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', `already subscribed to "${topic}"`));
      return undefined;
    }
    if (this.subs.size >= this.ctx.maxSubscriptions) {
      this.sendError(id, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', `at most ${this.ctx.maxSubscriptions} subscriptions per socket`));
      return undefined;
    }
    const sub = await this.ctx.hub.subscribe(topic, this, from);
    // The socket closed while the subscription was set up.
    if (this.closed) {
      sub.close();
      return undefined;
    }
    this.subs.set(topic, sub);
    this.sendJson({ op: 'subscribed', id, topic, from: sub.cursor });
    return { rest: sub.catchUp() };
  }
}
