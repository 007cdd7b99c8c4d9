import { ClosedError, EngineError, StreamersonError } from '@streamerson/core';

/** A file:// directory that cannot be created, written or locked; `path` names it. */
export class FileAccessError extends StreamersonError {
  override readonly name = 'FileAccessError';
  readonly path: string;

  constructor(path: string, why: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_FILE_ACCESS', `file:// store "${path}": ${why}`, options);
    this.path = path;
  }
}

/** A file:// store file that is not a database, or whose pages are damaged; `path` names it. */
export class FileCorruptError extends StreamersonError {
  override readonly name = 'FileCorruptError';
  readonly path: string;

  constructor(path: string, why: string, options?: { cause?: unknown }) {
    super('ERR_STREAMERSON_FILE_CORRUPT', `file:// store "${path}" is damaged: ${why}`, options);
    this.path = path;
  }
}

/** A file:// store written in another format version (or by another program); `path` names it. */
export class FileFormatError extends StreamersonError {
  override readonly name = 'FileFormatError';
  readonly path: string;

  constructor(path: string, why: string) {
    super('ERR_STREAMERSON_FILE_FORMAT', `file:// store "${path}": ${why}`);
    this.path = path;
  }
}

/** SQLite result codes that mean the file itself is bad. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);
/** SQLite result codes that mean the file cannot be written or opened. */
const ACCESS_CODES = new Set(['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH']);

/**
 * Turns what better-sqlite3 threw into a typed error: our own errors pass
 * through, a damaged file is `ERR_STREAMERSON_FILE_CORRUPT`, a file that
 * cannot be written `ERR_STREAMERSON_FILE_ACCESS`, anything else
 * `ERR_STREAMERSON_ENGINE` with the SQLite error as `cause`.
 */
export function toStreamersonError(error: unknown, path: string, closed: boolean): StreamersonError {
  if (error instanceof StreamersonError) return error;
  if (closed) return new ClosedError(`file engine file://${path}`);
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  const family = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  if (CORRUPT_CODES.has(family)) return new FileCorruptError(path, message, { cause: error });
  if (ACCESS_CODES.has(family)) return new FileAccessError(path, message, { cause: error });
  return new EngineError('ERR_STREAMERSON_ENGINE', `file:// store "${path}": ${message}`, { cause: error });
}
