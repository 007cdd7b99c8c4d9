import type { Message } from '../protocol/types.js';

/** A message as a consumer delivers it. */
export interface ConsumedMessage<P = unknown> extends Message<P> {
  /**
   * Group mode: acknowledges the message (acks of one event-loop turn share a
   * round trip). A message never acked stays pending: this consumer re-reads it
   * on restart, and the service layer reclaims it from dead consumers. Outside
   * group mode it resolves at once and does nothing.
   */
  ack(): Promise<void>;
  /** Group mode: the message was re-read from this consumer's pending entries (delivered before, never acked). */
  readonly redelivered: boolean;
}

/** Why a consumer retries; see the `'retry'` event. */
export interface RetryEvent {
  readonly error: unknown;
  /** What failed. */
  readonly operation: 'start' | 'read' | 'commit-offsets';
  /** Consecutive failures of this operation, from 1. */
  readonly attempt: number;
  /** Delay before the next try, in ms. */
  readonly delayMs: number;
}
