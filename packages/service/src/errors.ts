/**
 * Errors of services and clients. Both carry an application-level error code
 * (`errorCode`, the `error` header of an error reply) besides the registry
 * `code`, so that a handler's `ORDER_NOT_FOUND` reaches the caller unchanged.
 */
import { StreamersonError, type ErrorReplyPayload } from '@streamerson/core';

/** Status of an error reply when a handler throws something that is not a {@link ServiceError}. */
export const DEFAULT_ERROR_STATUS = 500;

/** Options of a {@link ServiceError}. */
export interface ServiceErrorOptions {
  /** Reply status, >= 400; default {@link DEFAULT_ERROR_STATUS}. */
  readonly status?: number;
  /** Application error code sent in the `error` header; default `ERR_STREAMERSON_SERVICE`. */
  readonly errorCode?: string;
  /** Structured details sent with the error reply. */
  readonly details?: unknown;
  /**
   * Whether a later delivery may succeed. Retryable errors leave the message
   * pending so that it comes back after a backoff; the error reply is sent only
   * once deliveries run out. Default false: reply with the error now.
   */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * Thrown by a handler to answer with an error reply: `status` (HTTP meaning),
 * `errorCode` and a `message` safe to show to the caller.
 */
export class ServiceError extends StreamersonError {
  override readonly name = 'ServiceError';
  readonly status: number;
  readonly errorCode: string;
  readonly details: unknown;
  readonly retryable: boolean;

  constructor(message: string, options: ServiceErrorOptions = {}) {
    super('ERR_STREAMERSON_SERVICE', message, options.cause === undefined ? undefined : { cause: options.cause });
    const status = options.status ?? DEFAULT_ERROR_STATUS;
    this.status = Number.isInteger(status) && status >= 400 && status <= 999 ? status : DEFAULT_ERROR_STATUS;
    this.errorCode = options.errorCode ?? 'ERR_STREAMERSON_SERVICE';
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

/** An error reply received by a client: status, the service's error code, message and details. */
export class RemoteError extends StreamersonError {
  override readonly name = 'RemoteError';
  readonly status: number;
  /** The `error` header of the reply (for example `ERR_STREAMERSON_UNKNOWN_TYPE` or `ORDER_NOT_FOUND`). */
  readonly errorCode: string;
  readonly details: unknown;
  /** The id of the request this error reply answers, when known. */
  readonly messageId: string | undefined;

  constructor(status: number, reply: ErrorReplyPayload, messageId?: string) {
    super('ERR_STREAMERSON_REMOTE', reply.message);
    this.status = status;
    this.errorCode = reply.code;
    this.details = reply.details;
    this.messageId = messageId;
  }
}
