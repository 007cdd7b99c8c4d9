/**
 * The README's first command: order events flow from a producer through a
 * transform into an invoices stream, printed live. Runs on the embedded
 * `memory://` engine unless STREAMERSON_URL names another one.
 *
 *   node examples/pipeline/dist/src/main.js [--count N] [--interval MS]
 */
import { parseArgs } from 'node:util';
import { connect, DEFAULT_ENGINE_URL, redactUrl, StreamersonError } from '@streamerson/core';
import { runPipeline } from './pipeline.js';

/** Orders produced when --count is not given. */
export const DEFAULT_COUNT = 20;
/** Pause between orders when --interval is not given, in ms. */
export const DEFAULT_INTERVAL_MS = 150;

function positiveInt(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new StreamersonError('ERR_STREAMERSON_INVALID_OPTION', `--${name} must be an integer >= ${min}, got "${text}"`);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, interval: { type: 'string' } } });
  const count = positiveInt('count', values.count, DEFAULT_COUNT, 1);
  const intervalMs = positiveInt('interval', values.interval, DEFAULT_INTERVAL_MS, 0);
  const url = process.env['STREAMERSON_URL'] ?? DEFAULT_ENGINE_URL;
  const engine = await connect(url);
  const run = Date.now().toString(36);
  console.log(`streamerson pipeline on ${redactUrl(url)}: orders-${run} -> invoice transform -> invoices-${run}`);
  try {
    await runPipeline(engine, {
      count,
      intervalMs,
      ordersTopic: `orders-${run}`,
      invoicesTopic: `invoices-${run}`,
      onInvoice: (invoice, entryId) =>
        console.log(
          `${entryId}  invoice #${String(invoice.orderId).padStart(3)}  ${invoice.item.padEnd(9)}  net ${invoice.net.toFixed(2).padStart(6)}  vat ${invoice.vat.toFixed(2).padStart(5)}  total ${invoice.total.toFixed(2).padStart(6)}`,
        ),
    });
    console.log(`done: ${count} orders invoiced`);
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  const code = error instanceof StreamersonError ? ` [${error.code}]` : '';
  console.error(`error${code}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
