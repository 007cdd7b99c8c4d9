/** `streamerson flux <fifo> <topic>`: a named pipe whose lines become messages, until stopped. */
import { Option, type Command } from 'commander';
import { intArg, positiveArg } from '../args/numbers.js';
import { note, urlOf, type CliContext } from '../context.js';
import { withEngine } from '../engine.js';
import { examples } from '../help.js';
import { createFifo } from '../io/fifo.js';
import { INPUT_FORMATS, type InputFormat } from '../produce/formats.js';
import { DEFAULT_BATCH_SIZE } from '../produce/writer.js';
import { shardOption } from '../topics.js';
import { checkedWriteName, produceFrom, summaryLine } from './produce.js';

interface FluxOptions {
  readonly format: InputFormat;
  readonly type: string;
  readonly key?: string;
  readonly shards?: number;
  readonly shard?: number;
  readonly rate?: number;
  readonly quiet: boolean;
}

/** Lines from a pipe arrive a few at a time; one in flight keeps them in order and sends each at once. */
const FLUX_IN_FLIGHT = 1;

export function registerFlux(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('flux')
      .description('create a named pipe and write every line written into it to a topic, until stopped')
      .argument('<fifo>', 'path of the named pipe to create (removed on exit)')
      .argument('<topic>', 'topic to write to, or one shard as topic#i')
      .addOption(new Option('--format <format>', 'input format').choices(INPUT_FORMATS).default('ndjson'))
      .option('--type <type>', 'message type of lines that carry none', '')
      .option('--key <field>', 'payload field (dotted path) whose value routes the message to a shard')
      .option('--shards <n>', 'shards of the topic (found by listing when omitted; 1 for a new topic)', intArg('--shards'))
      .addOption(shardOption())
      .option('--rate <n>', 'at most this many messages per second', positiveArg('--rate'))
      .option('-q, --quiet', 'no summary', false)
      .action(async (path: string, topic: string, options: FluxOptions, command: Command) => {
        const name = checkedWriteName(topic, options);
        const fifo = await createFifo(path, 'read');
        try {
          const summary = await withEngine(urlOf(command), (engine) =>
            produceFrom(ctx, engine, name, fifo.socket, {
              ...options,
              // A bad line in a long-running pipe is reported, never fatal.
              skipBad: true,
              batch: DEFAULT_BATCH_SIZE,
              inFlight: FLUX_IN_FLIGHT,
            }),
          );
          if (!options.quiet) note(ctx, summaryLine(summary));
        } finally {
          fifo.remove();
        }
      }),
    ['streamerson flux /tmp/orders.fifo orders &', 'echo \'{"sku":"A-1"}\' > /tmp/orders.fifo'],
  );
}
