/**
 * The processors of the tests: `enrich` reads order events and emits enriched
 * orders keyed by customer; `totals` keeps a running total per customer
 * (keyed state) and emits it. A customer's orders carry consecutive `seq`
 * numbers, so that `totals` can check per-key order.
 */
import { encodeMessage, shardForKey, streamKey, type AppendItem } from '@streamerson/core';
import { defineProcessor, type ProcessorSpec } from '../src/index.js';

export const SHARDS = 4;

export interface Order {
  customer: string;
  seq: number;
  amount: number;
}
export interface Totals {
  total: number;
  count: number;
  lastSeq: number;
  outOfOrder: number;
}

export function names(prefix: string) {
  return { orders: `${prefix}-orders`, enriched: `${prefix}-enriched`, totals: `${prefix}-totals`, enrich: `${prefix}-enrich`, sum: `${prefix}-sum` };
}

export function enrich(prefix: string, variant: 'v1' | 'v2' = 'v1'): ProcessorSpec {
  const n = names(prefix);
  return defineProcessor({
    name: n.enrich,
    inputs: [{ topic: n.orders, shards: SHARDS }],
    outputs: [{ topic: n.enriched, shards: SHARDS }],
    handlers: {
      placed: {
        schema: {
          type: 'object',
          required: ['customer', 'seq', 'amount'],
          properties: { customer: { type: 'string' }, seq: { type: 'integer' }, amount: { type: 'number' } },
        },
        handle: (msg, ctx) => {
          const order = msg.payload as Order;
          if (order.amount < 0) throw new Error(`negative amount ${order.amount}`);
          // v2 changes the tax of orders above 50: replay of v1's record diverges at the first of them.
          const rate = variant === 'v2' && order.amount > 50 ? 0.25 : 0.2;
          ctx.emit(
            n.enriched,
            'enriched',
            { ...order, tax: Math.round(order.amount * rate * 100) / 100, ref: ctx.uuid(), at: ctx.now(), lucky: ctx.random() < 0.5 },
            { key: order.customer },
          );
        },
      },
    },
  });
}

export function totals(prefix: string): ProcessorSpec<Totals> {
  const n = names(prefix);
  return defineProcessor<Totals>({
    name: n.sum,
    inputs: [{ topic: n.enriched, shards: SHARDS }],
    outputs: [n.totals],
    state: { initial: () => ({ total: 0, count: 0, lastSeq: 0, outOfOrder: 0 }) },
    handlers: {
      enriched: (msg, ctx) => {
        const order = msg.payload as Order;
        const s = ctx.state;
        const next = {
          total: s.total + order.amount,
          count: s.count + 1,
          lastSeq: order.seq,
          outOfOrder: s.outOfOrder + (order.seq === s.lastSeq + 1 ? 0 : 1),
        };
        ctx.setState(next);
        ctx.emit(n.totals, 'total', { customer: order.customer, seq: order.seq, total: next.total }, { key: order.customer });
      },
    },
  });
}

/** Appends for `count` orders over `customers` customers, each customer's seq numbers consecutive from `firstSeq`. */
export function orderAppends(prefix: string, customers: number, count: number, firstSeq = new Map<string, number>()): AppendItem[] {
  const n = names(prefix);
  const out: AppendItem[] = [];
  for (let i = 0; i < count; i++) {
    const customer = `c${i % customers}`;
    const seq = (firstSeq.get(customer) ?? 0) + 1;
    firstSeq.set(customer, seq);
    const amount = (i * 7919) % 100;
    out.push({
      stream: streamKey(n.orders, shardForKey(customer, SHARDS), SHARDS),
      fields: encodeMessage({ type: 'placed', headers: { key: customer }, payload: { customer, seq, amount } }),
    });
  }
  return out;
}
