/**
 * Order events → enriched orders → per-customer totals, by two processors, on
 * the engine of STREAMERSON_URL (default memory://). Produces `--count`
 * orders, waits until every total is out, prints each customer's total, then
 * replays both processors from their controller logs and says whether they
 * reproduced their outputs.
 *
 *   node dist/src/main.js [--count 30]
 */
import { parseArgs } from 'node:util';
import { connect, decodeEntry, encodeMessage, InvalidOptionError, ProtocolError, shardForKey, streamKey } from '@streamerson/core';
import { Processor, replay } from '@streamerson/processor';
import { enrich, ORDERS, SHARDS, TOTALS, totals, type Order } from './processors.js';

const CUSTOMERS = ['ann', 'bob', 'cy'];
const ITEMS = ['mug', 'lamp', 'desk', 'pen'];

/** The i-th order of the example: the same on every run. */
export function orderOf(i: number): Order {
  return { customer: CUSTOMERS[i % CUSTOMERS.length]!, item: ITEMS[i % ITEMS.length]!, amount: 10 + ((i * 37) % 90) };
}

const { values } = parseArgs({ options: { count: { type: 'string', default: '30' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new InvalidOptionError('--count', `expected an integer >= 1, got ${JSON.stringify(values.count)}`);

const engine = await connect(process.env['STREAMERSON_URL'] ?? 'memory://');
console.log(`order processors on ${engine.url}`);
const stages = [new Processor(engine, enrich), new Processor(engine, totals)] as const;
await Promise.all(stages.map((p) => p.start()));
const done = new Promise<void>((resolve) => {
  const check = (): void => void (stages[1].stats().processed >= count ? resolve() : setTimeout(check, 20));
  check();
});
await engine.appendBatch(
  Array.from({ length: count }, (_, i) => {
    const order = orderOf(i);
    return {
      stream: streamKey(ORDERS, shardForKey(order.customer, SHARDS), SHARDS),
      fields: encodeMessage({ type: 'placed', headers: { key: order.customer }, payload: order }),
    };
  }),
);
await done;
const last = new Map<string, { total: number; orders: number }>();
for (const entry of await engine.range(TOTALS, '-', '+')) {
  const msg = decodeEntry(TOTALS, entry);
  if (!(msg instanceof ProtocolError)) {
    const t = msg.payload as { customer: string; total: number; orders: number };
    last.set(t.customer, t);
  }
}
for (const [customer, t] of [...last].sort()) console.log(`${customer}: ${t.orders} orders, total ${t.total.toFixed(2)}`);
await Promise.all(stages.map((p) => p.drain()));
for (const spec of [enrich, totals] as const) {
  const report = await replay(engine, spec as typeof enrich);
  console.log(
    `replay ${spec.name}: ${report.inputs} inputs, ${report.divergence === undefined ? 'identical to the record' : `diverged at ${report.divergence.inputId}`}`,
  );
}
console.log(`done: ${count} orders`);
await engine.close();
