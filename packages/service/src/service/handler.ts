/** Handler types of a {@link Service}. */
import type { Headers, Message } from '@streamerson/core';

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
}

/**
 * Handles one message type. The resolved value is the reply payload (sent
 * when the message is a request); `undefined` is sent as `null`. Throw a
 * `ServiceError` for an error reply; any other throw is retried.
 */
export type Handler<P = any, R = unknown> = (payload: P, ctx: HandlerContext) => R | Promise<R>;
