/** Lua scripts, loaded from the `.lua` files beside this module's source. */
import { readFileSync } from 'node:fs';

/** Name the idempotent-append script is registered under with `defineCommand`. */
export const APPEND_IDEMPOTENT = 'streamersonAppendIdempotent';

let appendIdempotentLua: string | undefined;

/**
 * Source of `append-idempotent-2.lua`. Read on first use (not at import), from
 * `src/scripts`, which the package ships next to `dist`.
 */
export function appendIdempotentScript(): string {
  appendIdempotentLua ??= readFileSync(new URL('../../../src/scripts/append-idempotent-2.lua', import.meta.url), 'utf8');
  return appendIdempotentLua;
}
