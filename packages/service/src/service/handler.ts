/** Handler types of a {@link Service}. */
import type { Headers, Message } from '@streamerson/core';
import type { PublishOptions, RequestOptions } from '../client/client.js';
import type { Logger } from 'pino';

/** What a handler gets besides the payload. */
export interface HandlerContext {
  /** Message id (`i`); replies are correlated by it. */
  readonly messageId: string;
  readonly type: string;
  readonly headers: Headers;
  /** Absolute deadline in Unix ms from the `deadline` header, or undefined. */
  readonly deadline: number | undefined;
  /** Fires at the deadline and when the service closes; long handlers should stop then. */
  readonly signal: AbortSignal;
  /** Stream entry id of the message. */
  readonly entryId: string;
  /** Stream (topic shard) the message was read from. */
  readonly stream: string;
  /** How many times the message was delivered, this delivery included (1 the first time). */
  readonly deliveries: number;
  /** The whole decoded message. */
  readonly message: Message;
  /** The `idempotency-key` header, else the message id: the key for side effects that must not repeat. */
  readonly idempotencyKey: string;
  /** The service's logger, bound to this message's id, type and entry id. */
  readonly log: Logger;
  /**
   * Sends a request on behalf of this message, through the service's own
   * client: the message's `traceparent` and `tracestate` go with it (unless
   * `options.headers` sets them), so the trace follows the call.
   */
  request<R = unknown>(topic: string, type: string, payload: unknown, options?: RequestOptions): Promise<R>;
  /** Publishes a one-way message on behalf of this message, with its trace context (as {@link request}). */
  publish(topic: string, type: string, payload: unknown, options?: PublishOptions): Promise<string>;
}

/** Options of one handler. */
export interface HandlerOptions {
  /**
   * JSON Schema of the payload (a TypeBox schema is one). An invalid payload
   * gets an error reply, status 400, `ERR_STREAMERSON_INVALID_PAYLOAD`; the handler does not run.
   */
  readonly schema?: unknown;
}

/**
 * Handles one message type. The resolved value is the reply payload (sent
 * when the message is a request); `undefined` is sent as `null`. Throw a
 * `ServiceError` for an error reply; any other throw is retried.
 */
// biome-ignore lint/suspicious/noExplicitAny: a handler registered without a schema takes whatever payload it declares; `unknown` would refuse `(order: Order) => …`.
export type Handler<P = any, R = unknown> = (payload: P, ctx: HandlerContext) => R | Promise<R>;
