/**
 * Middleware around handlers. Hooks run in the order they were added:
 * `before` ahead of the handler (a throw there fails the message like a
 * handler throw: use it for checks such as authorization), `after` with the
 * handler's result, `error` with whatever failed. `after` and `error` only
 * observe: a throw there is logged and ignored, so that an observer can never
 * change the outcome of a message.
 */
import type { HandlerContext } from './handler.js';

/** Hooks around every handler of a service. */
export interface Hooks {
  before?(payload: unknown, ctx: HandlerContext): void | Promise<void>;
  after?(result: unknown, ctx: HandlerContext): void | Promise<void>;
  error?(err: unknown, ctx: HandlerContext): void | Promise<void>;
}

/** Runs the `before` hooks, then `handler`, then `after` (or `error`) hooks. */
export async function withHooks(hooks: readonly Hooks[], payload: unknown, ctx: HandlerContext, handler: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    for (const h of hooks) if (h.before !== undefined) await h.before(payload, ctx);
    result = await handler();
  } catch (err) {
    for (const h of hooks) if (h.error !== undefined) await observe(() => h.error!(err, ctx), ctx);
    throw err;
  }
  for (const h of hooks) if (h.after !== undefined) await observe(() => h.after!(result, ctx), ctx);
  return result;
}

async function observe(hook: () => void | Promise<void>, ctx: HandlerContext): Promise<void> {
  try {
    await hook();
  } catch (err) {
    ctx.log.warn({ err }, 'a service hook failed');
  }
}
