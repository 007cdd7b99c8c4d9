/**
 * The side-effect handler of the cross-process tests, shared by the worker
 * process and the in-process tests: every invocation is counted with a plain
 * append to an invocation stream, and the side effect itself is recorded
 * idempotently in a ledger stream keyed by the request's message id. Counting
 * the two streams afterwards tells re-invocations (after a crash) from
 * duplicated side effects (which must never happen).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Engine, RawEntry } from '@streamerson/core';
import type { Handler } from '../src/index.js';

/** Where the `work` handler records what it did. */
export interface WorkLog {
  /** Stream of side effects, one entry per idempotency key (idempotent append). */
  readonly ledger: string;
  /** Stream of raw handler invocations, one entry per run (plain append). */
  readonly invocations: string;
  /**
   * Mean time the handler takes (spread ±50 % so that a member's handlers do
   * not finish in lockstep), so that a member always holds entries in flight.
   */
  readonly delayMs: number;
}

/** Dedupe window of the ledger: longer than any test run. */
export const LEDGER_WINDOW_MS = 600_000;

/** Payload of a `work` request. */
export interface WorkRequest {
  readonly n: number;
}

/** Reply of a `work` request. */
export interface WorkReply {
  /** Message id of the request the handler ran for. */
  readonly id: string;
  /** Its idempotency key: the `idempotency-key` header, else the message id. */
  readonly key: string;
  readonly n: number;
  readonly square: number;
  /** The consumer that ran the handler this time, and its process. */
  readonly by: string;
  readonly pid: number;
  /** True when the side effect was already in the ledger: a redelivery after the first run got that far. */
  readonly alreadyRecorded: boolean;
  readonly deliveries: number;
}

/**
 * The `work` handler: count the invocation, take `delayMs` around recording
 * the side effect once, reply. It stops when its signal fires (deadline, or
 * the service's `close()`), leaving the entry pending.
 */
export function workHandler(engine: Engine, log: WorkLog, consumer: string): Handler<WorkRequest, WorkReply> {
  return async (payload, ctx) => {
    const key = ctx.idempotencyKey;
    await engine.append(log.invocations, ['id', key, 'by', consumer, 'deliveries', String(ctx.deliveries)]);
    const spread = 0.5 + Math.random();
    await delay((log.delayMs * spread) / 2, undefined, { signal: ctx.signal });
    const recorded = await engine.appendIdempotent(log.ledger, ['id', key, 'n', String(payload.n)], key, LEDGER_WINDOW_MS);
    // Work after the side effect too: a crash here leaves it recorded but unanswered.
    await delay((log.delayMs * spread) / 2, undefined, { signal: ctx.signal });
    return {
      id: ctx.messageId,
      key,
      n: payload.n,
      square: payload.n * payload.n,
      by: consumer,
      pid: process.pid,
      alreadyRecorded: recorded.duplicate,
      deliveries: ctx.deliveries,
    };
  };
}

/** Value of field `name` of an entry written by {@link workHandler}. */
export function field(entry: RawEntry, name: string): string | undefined {
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    if (entry.fields[i]!.toString() === name) return entry.fields[i + 1]!.toString();
  }
  return undefined;
}

/** How many entries of `stream` carry each key (field `id`). */
export async function countById(engine: Engine, stream: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let start = '-';
  for (;;) {
    const page = await engine.range(stream, start, '+', 1_000);
    for (const entry of page) {
      const id = field(entry, 'id') ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (page.length < 1_000) return counts;
    start = `(${page[page.length - 1]!.id}`;
  }
}
