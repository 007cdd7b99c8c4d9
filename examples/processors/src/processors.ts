/**
 * The two processors of the example: `example-enrich` turns order events into
 * enriched orders (VAT, a size class, a reference), keyed by customer;
 * `example-totals` keeps each customer's running total and order count
 * (keyed state) and emits it. `streamerson replay dist/src/processors.js
 * --processor example-totals` replays either from its controller log.
 */
import { defineProcessor } from '@streamerson/processor';

export const ORDERS = 'example-orders';
export const ENRICHED = 'example-enriched';
export const TOTALS = 'example-totals';
export const SHARDS = 4;

export interface Order {
  readonly customer: string;
  readonly item: string;
  readonly amount: number;
}
export interface Enriched extends Order {
  readonly vat: number;
  readonly size: 'small' | 'large';
  readonly ref: string;
  readonly at: number;
}
export interface CustomerTotal {
  readonly total: number;
  readonly orders: number;
}

export const enrich = defineProcessor({
  name: 'example-enrich',
  inputs: [{ topic: ORDERS, shards: SHARDS }],
  outputs: [{ topic: ENRICHED, shards: SHARDS }],
  handlers: {
    placed: {
      schema: {
        type: 'object',
        required: ['customer', 'item', 'amount'],
        properties: { customer: { type: 'string', minLength: 1 }, item: { type: 'string' }, amount: { type: 'number', exclusiveMinimum: 0 } },
      },
      handle: (msg, ctx) => {
        const order = msg.payload as Order;
        const enriched: Enriched = {
          ...order,
          vat: Math.round(order.amount * 20) / 100,
          size: order.amount >= 50 ? 'large' : 'small',
          ref: ctx.uuid(), // recorded randomness: replay makes the same
          at: ctx.now(), // the batch's recorded clock
        };
        ctx.emit(ENRICHED, 'enriched', enriched, { key: order.customer });
      },
    },
  },
});

export const totals = defineProcessor<CustomerTotal>({
  name: 'example-totals',
  inputs: [{ topic: ENRICHED, shards: SHARDS }],
  outputs: [TOTALS],
  state: { initial: () => ({ total: 0, orders: 0 }) },
  handlers: {
    enriched: (msg, ctx) => {
      const order = msg.payload as Enriched;
      const next = { total: Math.round((ctx.state.total + order.amount + order.vat) * 100) / 100, orders: ctx.state.orders + 1 };
      ctx.setState(next);
      ctx.emit(TOTALS, 'total', { customer: order.customer, ...next }, { key: order.customer });
    },
  },
});
