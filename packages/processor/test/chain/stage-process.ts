/**
 * A stage process of the exactly-once test: a Processor of `enrich` or
 * `totals` (test/orders.ts). SIGKILL is a crash; SIGTERM drains. Exits when
 * its stdin closes.
 */
import { connect } from '@streamerson/core';
import { Processor, type ProcessorOptions, type ProcessorSpec } from '../../src/index.js';
import { enrich, totals } from '../orders.js';

const config = JSON.parse(process.argv[2]!) as { url: string; prefix: string; stage: 'enrich' | 'totals'; options: ProcessorOptions };
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const print = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const engine = await connect(config.url);
const spec = config.stage === 'enrich' ? enrich(config.prefix) : totals(config.prefix);
const processor = new Processor(engine, spec as ProcessorSpec, config.options);
processor.on('lost', (shard, _stream, error) => print({ event: 'lost', shard, message: error.message }));
processor.on('deadLetter', (stream, entryId, error) => print({ event: 'deadLetter', stream, entryId, message: error.message }));
process.once('SIGTERM', () => {
  void processor.drain().then(async () => {
    await engine.close();
    process.exit(0);
  });
});
await processor.start();
print({ event: 'ready', shards: processor.shards });
