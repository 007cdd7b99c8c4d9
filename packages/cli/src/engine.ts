/** Opening the engine a command talks to. */
import { connect, type Engine } from '@streamerson/core';

/** Engine URL when neither `--url` nor `STREAMERSON_URL` is given. */
export const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Environment variable that sets the engine URL. */
export const URL_ENV = 'STREAMERSON_URL';

/** Runs `body` with the engine of `url` and closes it afterwards, whatever happens. */
export async function withEngine<T>(url: string, body: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await connect(url);
  try {
    return await body(engine);
  } finally {
    await engine.close().catch(() => engine.destroy());
  }
}
