/**
 * The {@link HandlerContext} of one delivery. Its logger and its AbortSignal
 * (with the deadline timer behind it) are made on first use only: most
 * handlers never look at them, and they are the costliest parts of a context.
 */
import { TRACEPARENT_HEADER, TRACESTATE_HEADER, type Headers, type Message } from '@streamerson/core';
import type { Logger } from 'pino';
import type { Client, PublishOptions, RequestOptions } from '../client/client.js';
import { ServiceError } from '../errors.js';
import type { HandlerContext } from './handler.js';
import { idempotencyKey } from './reply-store.js';

/** Status of the error reply when a request's deadline passes while its handler runs (docs/PROTOCOL.md §4). */
export const DEADLINE_STATUS = 504;

export class DeliveryContext implements HandlerContext {
  readonly messageId: string;
  readonly type: string;
  readonly headers: Headers;
  readonly entryId: string;
  readonly stream: string;
  readonly idempotencyKey: string;
  private logger: Logger | undefined;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Why the delivery was aborted before anybody asked for the signal. */
  private earlyAbort: unknown;

  constructor(
    readonly message: Message,
    readonly deadline: number | undefined,
    readonly deliveries: number,
    private readonly parentLogger: Logger,
    /** The service's client, made on first use. */
    private readonly client: () => Client,
  ) {
    this.messageId = message.id;
    this.type = message.type;
    this.headers = message.headers;
    this.entryId = message.entryId;
    this.stream = message.stream;
    this.idempotencyKey = idempotencyKey(message);
  }

  get log(): Logger {
    this.logger ??= this.parentLogger.child({ messageId: this.messageId, type: this.type, entryId: this.entryId });
    return this.logger;
  }

  /** Fires at the deadline, or when the service closes. */
  get signal(): AbortSignal {
    if (this.controller !== undefined) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    if (this.earlyAbort !== undefined) {
      controller.abort(this.earlyAbort);
    } else if (this.deadline !== undefined) {
      const left = this.deadline - Date.now();
      const deadline = this.deadline;
      if (left <= 0) controller.abort(deadlinePassed(deadline));
      else this.timer = setTimeout(() => controller.abort(deadlinePassed(deadline)), left);
    }
    return controller.signal;
  }

  request<R = unknown>(topic: string, type: string, payload: unknown, options: RequestOptions = {}): Promise<R> {
    return this.client().request<R>(topic, type, payload, { ...options, headers: this.traced(options.headers) });
  }

  publish(topic: string, type: string, payload: unknown, options: PublishOptions = {}): Promise<string> {
    return this.client().publish(topic, type, payload, { ...options, headers: this.traced(options.headers) });
  }

  /** `headers` with this message's trace context, where they do not set their own. */
  private traced(headers: Headers | undefined): Headers {
    const out: Record<string, string> = {};
    const traceparent = this.headers[TRACEPARENT_HEADER];
    const tracestate = this.headers[TRACESTATE_HEADER];
    if (traceparent !== undefined) out[TRACEPARENT_HEADER] = traceparent;
    if (tracestate !== undefined) out[TRACESTATE_HEADER] = tracestate;
    return { ...out, ...headers };
  }

  /** Aborts the signal now, or as soon as it is made. */
  abort(reason: unknown): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.earlyAbort ??= reason;
  }

  /** Stops the deadline timer; the handler is done. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/** The abort reason at the deadline, and the error reply a request gets when its handler fails past it. */
export function deadlinePassed(deadline: number): ServiceError {
  return new ServiceError('the handler did not finish before the deadline', {
    status: DEADLINE_STATUS,
    errorCode: 'ERR_STREAMERSON_TIMEOUT',
    details: { deadline },
  });
}
