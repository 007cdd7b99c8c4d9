/** Opening the engine a command talks to. */
import { connect, type Engine } from '@streamerson/core';
import { usageError } from './errors.js';

/** Engine URL when neither `--url` nor `STREAMERSON_URL` is given. */
export const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Environment variable that sets the engine URL. */
export const URL_ENV = 'STREAMERSON_URL';

/**
 * Reconnect attempts a command waits through: none, as redis-cli. Someone at
 * a prompt wants "cannot connect" at once, not after the library's retries —
 * which for services ride out a restart, and here would only repeat the same
 * answer (a refused port, a TLS handshake a plain server never answers).
 */
export const CLI_MAX_RETRIES_PER_REQUEST = 0;

/**
 * Longest wait for the connection and its TLS handshake: a server that does
 * not answer, or a plain server behind a `rediss://` URL, fails in this.
 */
export const CLI_CONNECT_TIMEOUT_MS = 1_500;

/** URLs of engines that live inside one process: nothing another process (or the next command) could see. */
const IN_PROCESS_URL = /^memory:\/\//i;

/**
 * Runs `body` with the engine of `url` and closes it afterwards, whatever
 * happens. An in-process engine (`memory://`) is refused: every command would
 * get its own empty one, and what it wrote would be gone at exit.
 */
export async function withEngine<T>(url: string, body: (engine: Engine) => Promise<T>): Promise<T> {
  if (IN_PROCESS_URL.test(url)) {
    throw usageError(
      `${url} is an engine inside one process: this command would see an empty one and what it writes would be gone at exit; use a shared engine such as redis://host:6379`,
    );
  }
  const engine = await connect(url, {
    redis: {
      maxRetriesPerRequest: CLI_MAX_RETRIES_PER_REQUEST,
      // The engine gives up with its command, or a Cluster that never answered would wait for ever.
      maxReconnectAttempts: CLI_MAX_RETRIES_PER_REQUEST,
      connectTimeoutMs: CLI_CONNECT_TIMEOUT_MS,
    },
  });
  try {
    return await body(engine);
  } finally {
    await engine.close().catch(() => engine.destroy());
  }
}
