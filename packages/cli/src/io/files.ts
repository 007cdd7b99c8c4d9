/**
 * Files named on the command line: opened before anything is read, and every
 * failure a one-line typed error — a file that does not exist is "not found"
 * (exit 6), one that cannot be read (a directory, no permission) a usage
 * error (exit 2).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StreamersonError } from '@streamerson/core';

/** Read size of input files: large reads mean few awaits and full batches. */
export const FILE_CHUNK_BYTES = 1 << 20;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'a file of that name exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** The typed error of a failed file operation (`what` says which: "cannot read", "cannot create the named pipe"). */
export function fileError(what: string, path: string, error: unknown): StreamersonError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = REASONS[code] ?? String((error as Error | undefined)?.message ?? error).split('\n')[0]!;
  const detail = `${what} ${path}: ${reason}${code === '' || reason.includes(code) ? '' : ` (${code})`}`;
  return new StreamersonError(code === 'ENOENT' ? 'ERR_STREAMERSON_NOT_FOUND' : 'ERR_STREAMERSON_USAGE', detail, { cause: error });
}

/** Opens `path` for reading; a directory or a file that cannot be opened fails here, before any line is read. */
export async function openInput(path: string): Promise<Readable> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    await handle?.close();
    throw fileError('cannot read', path, error);
  }
  return handle.createReadStream({ highWaterMark: FILE_CHUNK_BYTES });
}

/** True for an error of the operating system (it has an errno code and a syscall). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
