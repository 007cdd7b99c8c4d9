/**
 * The `replicas` durability option: a `WAIT` sent behind the writes it covers,
 * on their connection, so that they resolve only once enough replicas have
 * them. `WAIT` covers every write the connection sent before it.
 */
import type { Redis } from 'ioredis';
import { EngineError } from '@streamerson/core';

/** How many replicas must confirm, and for how long to wait. */
export interface ReplicaWait {
  readonly replicas: number;
  readonly timeoutMs: number;
}

/**
 * Sends `WAIT replicas timeoutMs` on `connection`, behind what was sent on it
 * before (auto-pipelined commands included: it goes through the same queue);
 * resolves once `replicas` replicas confirmed, rejects with
 * `ERR_STREAMERSON_NOT_REPLICATED` when fewer did in time.
 */
export function waitForReplicas(connection: Redis, wait: ReplicaWait): Promise<void> {
  return (connection.call('wait', wait.replicas, wait.timeoutMs) as Promise<number>).then((confirmed) => {
    if (confirmed < wait.replicas) {
      throw new EngineError(
        'ERR_STREAMERSON_NOT_REPLICATED',
        `${confirmed} of ${wait.replicas} replicas confirmed the write within ${wait.timeoutMs} ms; it is on the primary only`,
      );
    }
  });
}

/** `work`'s value once `replicated` resolved too; `work` alone without a wait. */
export function afterReplicas<T>(work: Promise<T>, replicated: Promise<void> | undefined): Promise<T> {
  return replicated === undefined ? work : Promise.all([work, replicated]).then(([value]) => value);
}
