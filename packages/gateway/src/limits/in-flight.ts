/**
 * In-flight work per identity, so that one client cannot take the whole
 * gateway's `maxInFlight`: each HTTP request and each WebSocket operation
 * holds one slot of its caller's identity until it is answered. Only
 * identities with work in flight are kept, so the map never holds more
 * entries than there are requests in flight.
 */
import type { FastifyRequest } from 'fastify';
import { failure, type GatewayFailure } from '../errors.js';

/** Names the caller a request counts against (see `identity` in the plugin options). */
export type IdentityOf = (request: FastifyRequest) => string;

/** The default identity: the client address as Fastify sees it (`trustProxy` decides behind a proxy). */
export const ipIdentity: IdentityOf = (request) => request.ip;

/** The answer past a per-connection or per-identity limit: 429 with `Retry-After`. */
export function tooManyInFlight(scope: 'connection' | 'identity'): GatewayFailure {
  return failure(429, 'ERR_STREAMERSON_OVERLOAD', `too many requests in flight for this ${scope}`, true);
}

export class IdentityLimits {
  private readonly counts = new Map<string, number>();
  private held = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Takes a slot of `identity`; false when it already holds {@link max}. */
  acquire(identity: string): boolean {
    const n = this.counts.get(identity) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(identity, n + 1);
    this.held++;
    return true;
  }

  /** Gives back a slot taken by {@link acquire}. */
  release(identity: string): void {
    const n = this.counts.get(identity) ?? 0;
    if (n === 0) return;
    if (n === 1) this.counts.delete(identity);
    else this.counts.set(identity, n - 1);
    if (--this.held === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Slots held now: the requests and WebSocket operations in flight. */
  get total(): number {
    return this.held;
  }

  /** Resolves once no slot is held. */
  idle(): Promise<void> {
    if (this.held === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Identities holding a slot now. */
  get identities(): number {
    return this.counts.size;
  }
}
