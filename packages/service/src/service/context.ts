/** The {@link HandlerContext} of one delivery; its logger is made on first use only. */
import type { Headers, Message } from '@streamerson/core';
import type { Logger } from 'pino';
import type { HandlerContext } from './handler.js';
import { idempotencyKey } from './reply-store.js';

export class DeliveryContext implements HandlerContext {
  readonly messageId: string;
  readonly type: string;
  readonly headers: Headers;
  readonly entryId: string;
  readonly stream: string;
  readonly idempotencyKey: string;
  private logger: Logger | undefined;

  constructor(
    readonly message: Message,
    readonly deadline: number | undefined,
    readonly signal: AbortSignal,
    readonly deliveries: number,
    private readonly parentLogger: Logger,
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
}
