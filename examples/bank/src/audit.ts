/**
 * The audit: reads every account of every shard from the engine (snapshot and
 * changelog, without a writer) and checks that money is never created or
 * lost. Once no credit is in transit, the balances add up to what the
 * accounts were opened with, and every amount sent was received exactly once.
 */
import type { Engine } from '@streamerson/core';
import { readShard } from '@streamerson/state';
import { bank, type Account } from './bank.js';

export interface Audit {
  readonly accounts: number;
  /** Sum of the balances. */
  readonly total: number;
  /** Sum of the opening balances: what the total must be. */
  readonly opened: number;
  /** Sent but not yet credited (a credit waiting in an outbox or a command stream). */
  readonly inTransit: number;
  /** Accounts whose balance is not opened + received − sent, or is negative. */
  readonly broken: readonly string[];
}

export async function audit(engine: Engine): Promise<Audit> {
  let accounts = 0;
  let total = 0;
  let opened = 0;
  let sent = 0;
  let received = 0;
  const broken: string[] = [];
  for (let shard = 0; shard < bank.shards; shard++) {
    for (const [key, { state }] of await readShard(engine, bank, shard)) {
      const a = state as Account;
      accounts++;
      total += a.balance;
      opened += a.opened;
      sent += a.sent;
      received += a.received;
      if (a.balance < 0 || a.balance !== a.opened + a.received - a.sent) broken.push(key);
    }
  }
  return { accounts, total, opened, inTransit: sent - received, broken };
}

/**
 * Whether the audit shows money created or lost. Each account adding up makes
 * total + in transit = opened; money in transit must then reach zero (see
 * {@link settled}), or a credit was lost.
 */
export function violation(a: Audit): string | undefined {
  if (a.broken.length > 0) return `accounts whose balance does not add up: ${a.broken.slice(0, 10).join(', ')}`;
  if (a.inTransit < 0) return `${-a.inTransit} more received than sent: a credit was applied twice`;
  return undefined;
}

/** Audits until no money is in transit or a violation shows, for at most `waitMs`. */
export async function settled(engine: Engine, waitMs: number): Promise<{ audit: Audit; problem: string | undefined }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const a = await audit(engine);
    const problem = violation(a);
    if (problem !== undefined || a.inTransit === 0) return { audit: a, problem };
    if (Date.now() >= deadline) return { audit: a, problem: `${a.inTransit} still in transit after ${waitMs} ms: a credit was lost, or no writer runs` };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
