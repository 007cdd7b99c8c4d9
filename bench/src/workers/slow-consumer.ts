/**
 * The deliberately slow consumers of the `rss` scenario:
 * `node slow-consumer.js consumer|service <redis url> <topic> <handler ms>`.
 *
 * - `consumer`: a group-mode {@link Consumer} (default `prefetch`, `autoAck`)
 *   read through `for await`, one message at a time;
 * - `service`: a {@link Service} with `concurrency` 1 and a handler for
 *   {@link SLOW_TYPE}.
 *
 * Each message takes `handler ms` (a timer, as an I/O-bound handler would).
 * The handled count is the messages processed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, Consumer } from '@streamerson/core';
import { Service } from '@streamerson/service';
import { serveParent } from './ipc.js';
import { SLOW_GROUP, SLOW_TYPE } from './slow-protocol.js';

const [kind, url, topic, handlerMsText] = process.argv.slice(2);
if (url === undefined || topic === undefined || (kind !== 'consumer' && kind !== 'service')) {
  throw new Error('usage: slow-consumer consumer|service <redis url> <topic> <handler ms>');
}
const handlerMs = Number(handlerMsText ?? '1');

const engine = await connect(url);
let handled = 0;

async function startConsumer(): Promise<() => Promise<void>> {
  // startAt '0': entries appended before the group exists are read too.
  const consumer = new Consumer<unknown>(engine, { topic: topic!, group: SLOW_GROUP, consumer: 'slow', startAt: '0', autoAck: true });
  const loop = (async () => {
    for await (const message of consumer) {
      if (message.payload === undefined) continue;
      await sleep(handlerMs);
      handled++;
    }
  })();
  return async () => {
    await consumer.close();
    await loop.catch(() => undefined);
  };
}

async function startService(): Promise<() => Promise<void>> {
  const service = new Service(engine, { name: SLOW_GROUP, topic: topic!, consumer: 'slow', concurrency: 1 });
  service.handle(SLOW_TYPE, async () => {
    await sleep(handlerMs);
    handled++;
  });
  await service.start();
  // The backlog stays pending in the group: drain() stops reading and finishes only the handler in hand.
  return () => service.drain();
}

const stop = kind === 'consumer' ? await startConsumer() : await startService();
serveParent({
  handled: () => handled,
  stop: async () => {
    await stop();
    await engine.close();
  },
});
