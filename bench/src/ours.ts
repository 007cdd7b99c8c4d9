/**
 * The Streamerson side of each scenario, written as an application would:
 * a {@link Producer} and a group-mode {@link Consumer} on the engine from
 * `connect(url)`, payload objects in, decoded messages out.
 */
import { Consumer, Producer, type Engine } from '@streamerson/core';
import type { BenchPayload } from './payload.js';

/** Writes payloads to one stream. */
export interface BatchWriter {
  /** Writes `payloads[start…end)`; resolves with how many got an entry id. */
  write(payloads: readonly BenchPayload[], start: number, end: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A {@link Producer} for `stream` with `maxBatch` = `batchSize`, so that its
 * round trips carry as many appends as the baseline's pipelines. Each write
 * sends its payloads in one event-loop turn and awaits every receipt.
 */
export function oursWriter(engine: Engine, stream: string, batchSize: number): BatchWriter {
  const producer = new Producer<BenchPayload>(engine, { topic: stream, maxBatch: batchSize });
  return {
    write: async (payloads, start, end) => {
      const receipts = [];
      for (let i = start; i < end; i++) receipts.push(producer.send(payloads[i] as BenchPayload));
      return (await Promise.all(receipts)).length;
    },
    close: () => producer.close(),
  };
}

/**
 * Consumes `n` messages of `stream` with a group-mode {@link Consumer}
 * (`autoAck`, the default `prefetch`, as an application would) through
 * `for await`, then closes it, which sends the last acks. Resolves with the
 * number of messages delivered.
 */
export async function oursGroupConsume(engine: Engine, stream: string, group: string, n: number): Promise<number> {
  const consumer = new Consumer<BenchPayload>(engine, {
    topic: stream,
    group,
    consumer: 'c',
    startAt: '0',
    autoAck: true,
  });
  let processed = 0;
  try {
    for await (const message of consumer) {
      // Touch the payload as the raw side does, so neither decodes for nothing.
      if (message.payload.id < 0) break;
      if (++processed >= n) break;
    }
  } finally {
    await consumer.close();
  }
  return processed;
}
