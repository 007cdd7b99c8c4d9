import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createReadStream, createWriteStream, Producer, Consumer, type ConsumedMessage, type Engine, type ProducerRecord } from '@streamerson/core';

/** An order event, as the shop front writes it to the `orders` topic. */
export interface Order {
  readonly orderId: number;
  readonly item: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

/** An invoice, as the pipeline writes it to the `invoices` topic. */
export interface Invoice {
  readonly orderId: number;
  readonly item: string;
  readonly net: number;
  readonly vat: number;
  readonly total: number;
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  /** Orders to produce. */
  readonly count: number;
  /** Pause between two orders, in ms. */
  readonly intervalMs: number;
  /** Topic names; unique names let several runs share one engine. */
  readonly ordersTopic: string;
  readonly invoicesTopic: string;
  /** Called for each invoice read back from the invoices topic. */
  readonly onInvoice: (invoice: Invoice, entryId: string) => void;
}

const ITEMS = ['kettle', 'teapot', 'mug', 'saucer', 'tea caddy'] as const;
const VAT_RATE = 0.2;

/** The transform of the pipeline: an order message in, an invoice record out. */
export function toInvoice(order: Order): Invoice {
  const net = Math.round(order.quantity * order.unitPrice * 100) / 100;
  const vat = Math.round(net * VAT_RATE * 100) / 100;
  return { orderId: order.orderId, item: order.item, net, vat, total: Math.round((net + vat) * 100) / 100 };
}

/**
 * Produces `count` orders, pipes the orders topic through {@link toInvoice} into
 * the invoices topic with `stream.pipeline`, and reads the invoices back live.
 * Resolves once every invoice has been read.
 */
export async function runPipeline(engine: Engine, options: PipelineOptions): Promise<void> {
  const { count, intervalMs, ordersTopic, invoicesTopic, onInvoice } = options;

  // Start both readers at the beginning of their topics so that nothing written
  // before they are positioned is missed.
  const orders = createReadStream<Order>(engine, { topic: ordersTopic, from: 'beginning' });
  const invoices = new Consumer<Invoice>(engine, { topic: invoicesTopic, from: 'beginning' });
  await invoices.start();

  let transformed = 0;
  const invoiceOf = new Transform({
    objectMode: true,
    transform(message: ConsumedMessage<Order>, _encoding, callback) {
      const invoice = toInvoice(message.payload);
      // The last order has been seen: let the source finish what it holds, then end.
      if (++transformed === count) void orders.consumer.drain();
      callback(null, { type: 'invoice', key: String(invoice.orderId), payload: invoice } satisfies ProducerRecord);
    },
  });
  const piped = pipeline(orders, invoiceOf, createWriteStream(engine, { topic: invoicesTopic }));

  const printed = (async () => {
    let seen = 0;
    for await (const message of invoices) {
      onInvoice(message.payload, message.entryId);
      if (++seen === count) break;
    }
  })();

  const shop = new Producer<Order>(engine, { topic: ordersTopic });
  for (let orderId = 1; orderId <= count; orderId++) {
    const order: Order = {
      orderId,
      item: ITEMS[orderId % ITEMS.length]!,
      quantity: 1 + (orderId % 4),
      unitPrice: 4.5 + (orderId % 7),
    };
    await shop.send(order, { type: 'order.placed' });
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  await shop.close();
  await Promise.all([piped, printed]);
  await invoices.close();
}
