/** Opening the engine a command talks to. */
import { connect, type Engine } from '@streamerson/core';

/** Engine URL when neither `--url` nor `STREAMERSON_URL` is given. */
export const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Environment variable that sets the engine URL. */
export const URL_ENV = 'STREAMERSON_URL';

/**
 * Reconnect attempts a command waits through. Lower than the library's
 * default: someone at a prompt wants "cannot connect" in a fraction of a
 * second, not after ten.
 */
export const CLI_MAX_RETRIES_PER_REQUEST = 3;

/** Runs `body` with the engine of `url` and closes it afterwards, whatever happens. */
export async function withEngine<T>(url: string, body: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await connect(url, { redis: { maxRetriesPerRequest: CLI_MAX_RETRIES_PER_REQUEST } });
  try {
    return await body(engine);
  } finally {
    await engine.close().catch(() => engine.destroy());
  }
}
