/** Lua scripts, loaded from the `.lua` files beside this module's source. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Name the idempotent-append script is registered under with `defineCommand`. */
export const APPEND_IDEMPOTENT = 'streamersonAppendIdempotent';
/** Name the lease script (`lease-1.lua`) is registered under. */
export const LEASE = 'streamersonLease';
/** Name the fenced-write script (`fenced-write.lua`, keys counted per call) is registered under. */
export const FENCED_WRITE = 'streamersonFencedWrite';

const sources = new Map<string, string>();

/**
 * Source of `src/scripts/<file>`. Read on first use (not at import), from
 * `src/scripts`, which the package ships next to `dist`.
 */
function script(file: string): string {
  let source = sources.get(file);
  if (source === undefined) {
    source = readFileSync(new URL(`../../../src/scripts/${file}`, import.meta.url), 'utf8');
    sources.set(file, source);
  }
  return source;
}

/** Source of `append-idempotent-2.lua`. */
export function appendIdempotentScript(): string {
  return script('append-idempotent-2.lua');
}

/** Source of `lease-1.lua`. */
export function leaseScript(): string {
  return script('lease-1.lua');
}

/** Source of `fenced-write.lua`. */
export function fencedWriteScript(): string {
  return script('fenced-write.lua');
}

let fencedWriteDigest: string | undefined;

/** SHA-1 of `fenced-write.lua`: what `EVALSHA` names it by. */
export function fencedWriteSha(): string {
  fencedWriteDigest ??= createHash('sha1').update(fencedWriteScript()).digest('hex');
  return fencedWriteDigest;
}
