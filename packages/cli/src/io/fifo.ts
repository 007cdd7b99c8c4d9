/**
 * Named pipes. Both ends are opened read-write and non-blocking: opening
 * never waits for a peer, the pipe is driven by the event loop like a socket,
 * and a peer that comes and goes (one `echo … > fifo` after another) causes
 * neither EOF for `flux` nor EPIPE for `tap --fifo`.
 */
import { execFile } from 'node:child_process';
import { constants, openSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { StreamersonError } from '@streamerson/core';

const run = promisify(execFile);

/** A named pipe this process created; `remove()` deletes it (idempotent). */
export interface Fifo {
  readonly path: string;
  /** A socket over the pipe, readable or writable as asked. */
  readonly socket: Socket;
  remove(): void;
}

/**
 * Creates the named pipe at `path` with `mkfifo` and opens it for `direction`.
 * The socket of a write end must not read: it would take back its own lines.
 */
export async function createFifo(path: string, direction: 'read' | 'write'): Promise<Fifo> {
  try {
    await run('mkfifo', ['-m', '600', path]);
  } catch (cause) {
    // mkfifo says "mkfifo: cannot create fifo '<path>': File exists"; the reason is its last part.
    const said = String((cause as { stderr?: unknown }).stderr ?? (cause as Error).message)
      .trim()
      .split('\n')[0]!;
    throw new StreamersonError('ERR_STREAMERSON_USAGE', `cannot create the named pipe ${path}: ${said.slice(said.lastIndexOf(': ') + 2)}`, { cause });
  }
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
  let removed = false;
  return {
    path,
    socket,
    remove() {
      if (removed) return;
      removed = true;
      socket.destroy();
      try {
        unlinkSync(path);
      } catch {
        // Already gone: someone else removed it, which is what we wanted.
      }
    },
  };
}
