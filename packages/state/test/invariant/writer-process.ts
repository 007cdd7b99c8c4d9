/**
 * A writer process of the invariant and fencing tests: a StateWriter of the
 * test bank, printing one event line per shard it takes or loses. SIGTERM
 * drains it (a hand-off); SIGKILL is a crash. Exits when its stdin closes.
 */
import { connect } from '@streamerson/core';
import { StateWriter, type StateWriterOptions } from '../../src/index.js';
import { bankMachine } from '../bank.js';

const config = JSON.parse(process.argv[2]!) as { url: string; machine: string; shards: number; options: StateWriterOptions };
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const print = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const engine = await connect(config.url);
const writer = new StateWriter(engine, bankMachine(config.machine, config.shards), config.options);
writer.on('acquired', (shard, epoch) => print({ event: 'acquired', shard, epoch }));
writer.on('lost', (shard, error) => print({ event: 'lost', shard, code: (error as { code?: string }).code ?? null, message: error.message }));
writer.on('problem', (shard, entryId, error) => print({ event: 'problem', shard, entryId, message: error.message }));
writer.on('error', (error) => print({ event: 'error', message: error.message }));
process.once('SIGTERM', () => {
  void writer.drain().then(async () => {
    print({ event: 'drained', stats: writer.stats() });
    await engine.close();
    process.exit(0);
  });
});
await writer.start();
print({ event: 'ready', id: writer.config.id, shards: writer.shards });
