/**
 * One WebSocket connection: answers request/publish/subscribe/unsubscribe
 * frames and receives events of its subscriptions from the shared hub. Every
 * send goes through one bound: past `maxBufferedBytes` unsent, the socket is
 * closed with {@link SLOW_CONSUMER_CLOSE_CODE} and its subscriptions end; other
 * sockets are not affected.
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { authorized, type AuthorizeHook, type GatewayOperation } from '../authorize.js';
import { failure, toFailure, type ErrorBody, type GatewayFailure } from '../errors.js';
import type { HubEvent } from '../hub/event.js';
import { whenRoom } from '../hub/room.js';
import type { EventSink, Subscription, TopicHub } from '../hub/topic-hub.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Client } from '@streamerson/service';
import { isBadFrame, parseFrame, type ClientFrame, type FrameId } from './frames.js';
import type { RouteRequests } from './route-request.js';

/** Close code of a socket dropped for falling behind; the reason is `ERR_STREAMERSON_SLOW_CONSUMER`. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;
/** How long a slow socket gets to take its close frame before it is cut. */
export const SLOW_CLOSE_GRACE_MS = 5_000;

const OPEN = 1;

/** What sessions share. */
export interface SessionContext {
  readonly client: Client;
  readonly hub: TopicHub;
  readonly metrics: GatewayMetrics;
  readonly authorize: AuthorizeHook | undefined;
  readonly timeout: number;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  readonly routes: RouteRequests;
}

export class WsSession implements EventSink {
  /** Topic → subscription; null while the subscription is being set up. */
  private readonly subs = new Map<string, Subscription | null>();
  private closed = false;

  constructor(private readonly socket: WebSocket, private readonly request: FastifyRequest, private readonly ctx: SessionContext) {
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
    return whenRoom(() => this.socket.bufferedAmount > this.ctx.maxBufferedBytes / 2, () => this.closed || this.socket.readyState !== OPEN);
  }

  overflow(): void {
    if (this.closed) return;
    this.ctx.metrics.slowConsumer();
    this.end();
    this.socket.close(SLOW_CONSUMER_CLOSE_CODE, 'ERR_STREAMERSON_SLOW_CONSUMER');
    setTimeout(() => this.socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) sub?.close();
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
    const error = f.details === undefined ? { code: f.code, message: f.message, status: f.status } : { code: f.code, message: f.message, status: f.status, details: f.details };
    this.sendJson(id === undefined ? { op: 'error', error } : { op: 'error', id, error });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    const frame = parseFrame(data, isBinary);
    if (isBadFrame(frame)) {
      this.sendError(frame.id, frame.bad);
      return;
    }
    this.handle(frame).catch((err: unknown) => this.sendError(frame.id, toFailure(err)));
  }

  private async allowed(op: GatewayOperation, topic: string, type: string | undefined): Promise<boolean> {
    return authorized(this.ctx.authorize, { op, topic, type, request: this.request });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    // A route request is authorized by the route, which knows its topic.
    if (frame.op === 'route') return this.route(frame.id, frame.method, frame.url, frame.body);
    const type = frame.op === 'request' || frame.op === 'publish' ? frame.type : undefined;
    if (frame.op !== 'unsubscribe' && !(await this.allowed(frame.op, frame.topic, type))) {
      this.sendError(frame.id, failure(403, 'ERR_STREAMERSON_FORBIDDEN', `${frame.op} on "${frame.topic}" is not allowed`));
      return;
    }
    switch (frame.op) {
      case 'request': {
        const timeout = Math.min(frame.timeout ?? this.ctx.timeout, this.ctx.timeout);
        const payload = await this.ctx.client.request(frame.topic, frame.type, frame.payload, { timeout });
        this.sendJson({ op: 'reply', id: frame.id, payload });
        return;
      }
      case 'publish': {
        const entryId = await this.ctx.client.publish(frame.topic, frame.type, frame.payload);
        this.sendJson(frame.id === undefined ? { op: 'published', entryId } : { op: 'published', id: frame.id, entryId });
        return;
      }
      case 'subscribe':
        return this.subscribe(frame.id, frame.topic, frame.from);
      case 'unsubscribe': {
        const sub = this.subs.get(frame.topic);
        if (sub === undefined) {
          this.sendError(frame.id, failure(404, 'ERR_STREAMERSON_NOT_FOUND', `not subscribed to "${frame.topic}"`));
          return;
        }
        sub?.close();
        this.subs.delete(frame.topic);
        this.sendJson({ op: 'unsubscribed', id: frame.id, topic: frame.topic });
        return;
      }
    }
  }

  private async route(id: FrameId, method: string, url: string, body: unknown): Promise<void> {
    const answer = await this.ctx.routes.request(this.request, method, url, body);
    const error = (answer.payload as Partial<ErrorBody> | undefined)?.error;
    if (answer.status >= 400 && typeof error?.code === 'string') {
      // Counted in the metrics by the HTTP route already.
      this.sendJson({ op: 'error', id, error: { ...error, status: answer.status } });
      return;
    }
    this.sendJson({ op: 'reply', id, ...answer });
  }

  private async subscribe(id: FrameId | undefined, topic: string, from: string | undefined): Promise<void> {
    if (this.subs.has(topic)) {
      this.sendError(id, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', `already subscribed to "${topic}"`));
      return;
    }
    if (this.subs.size >= this.ctx.maxSubscriptions) {
      this.sendError(id, failure(400, 'ERR_STREAMERSON_BAD_REQUEST', `at most ${this.ctx.maxSubscriptions} subscriptions per socket`));
      return;
    }
    if (this.closed) return;
    this.subs.set(topic, null);
    let sub: Subscription;
    try {
      sub = await this.ctx.hub.subscribe(topic, this, from);
    } catch (err) {
      this.subs.delete(topic);
      throw err;
    }
    // The socket closed or unsubscribed while the subscription was set up.
    if (this.closed || this.subs.get(topic) !== null) {
      sub.close();
      return;
    }
    this.subs.set(topic, sub);
    this.sendJson({ op: 'subscribed', id, topic, from: sub.cursor });
    await sub.catchUp();
  }
}
