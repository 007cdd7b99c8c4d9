/**
 * A command that was not applied, as its sender sees it, and the error
 * replies a writer sends: one table from failure to status and code, used by
 * both ends.
 */
import { ERROR_CODES, StreamersonError, type ErrorCode, type ErrorReplyPayload } from '@streamerson/core';

/** Request header: the key (entity id) a command is for. */
export const KEY_HEADER = 'key';
/** Request header: the version the key must have for the command to apply (decimal). */
export const EXPECTED_VERSION_HEADER = 'expected-version';

/** Why a command was not applied, with the status and code of its error reply. */
export const COMMAND_FAILURES = Object.freeze({
  rejected: { status: 409, code: 'ERR_STREAMERSON_REJECTED' },
  versionConflict: { status: 409, code: 'ERR_STREAMERSON_VERSION_CONFLICT' },
  unknownType: { status: 404, code: 'ERR_STREAMERSON_UNKNOWN_TYPE' },
  invalidPayload: { status: 400, code: 'ERR_STREAMERSON_INVALID_PAYLOAD' },
  badRequest: { status: 400, code: 'ERR_STREAMERSON_BAD_REQUEST' },
  handlerFailed: { status: 500, code: 'ERR_STREAMERSON_SERVICE' },
  noWriter: { status: 503, code: 'ERR_STREAMERSON_NO_WRITER' },
} as const satisfies Record<string, { status: number; code: ErrorCode }>);

export type CommandFailure = keyof typeof COMMAND_FAILURES;

/**
 * A command that was not applied. `code` is the stable reason
 * (`ERR_STREAMERSON_REJECTED`, `_VERSION_CONFLICT`, `_NO_WRITER`,
 * `_UNKNOWN_TYPE`, `_INVALID_PAYLOAD`, `_BAD_REQUEST`, `_SERVICE`);
 * `errorCode` is the machine's own code for a rejection (else `code`).
 */
export class CommandError extends StreamersonError {
  override readonly name = 'CommandError';
  /** HTTP meaning: 409 rejected or conflict, 404 unknown type, 400 bad input, 503 no writer, 500 handler failure. */
  readonly status: number;
  readonly errorCode: string;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    readonly key: string,
    readonly type: string,
    options: { status: number; errorCode?: string; details?: unknown; cause?: unknown },
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.errorCode = options.errorCode ?? code;
    this.details = options.details;
  }
}

/** The error reply a writer sends for a failure: header `error` is the machine's code for a rejection, else the stable code. */
export function failureReply(failure: CommandFailure, message: string, details?: unknown, machineCode?: string): { status: number; error: ErrorReplyPayload } {
  const { status, code } = COMMAND_FAILURES[failure];
  const errorCode = failure === 'rejected' && machineCode !== undefined ? machineCode : code;
  return { status, error: details === undefined ? { code: errorCode, message } : { code: errorCode, message, details } };
}

/**
 * The {@link CommandError} of an error reply: a 409 whose code is not a
 * registered one is a rejection with the machine's code.
 */
export function commandErrorOf(key: string, type: string, status: number, reply: ErrorReplyPayload, cause?: unknown): CommandError {
  const registered = Object.hasOwn(ERROR_CODES, reply.code);
  const code: ErrorCode = registered ? (reply.code as ErrorCode) : status === 409 ? 'ERR_STREAMERSON_REJECTED' : 'ERR_STREAMERSON_REMOTE';
  return new CommandError(code, reply.message, key, type, { status, errorCode: reply.code, details: reply.details, cause });
}

/** `ERR_STREAMERSON_NO_WRITER` for a command on `shard`. */
export function noWriter(key: string, type: string, shard: number): CommandError {
  const { status, code } = COMMAND_FAILURES.noWriter;
  return new CommandError(code, `no writer holds shard ${shard} of key "${key}"; the command was not applied`, key, type, { status });
}
