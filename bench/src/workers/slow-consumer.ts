/**
 * The deliberately slow consumer of the `rss` scenario:
 * `node slow-consumer.js <redis url> <topic> <handler ms>` reads `topic` with
 * a group-mode {@link Consumer} (default `prefetch`, `autoAck`) through
 * `for await`, one message at a time, each taking `handler ms` (a timer, as
 * an I/O-bound handler would). Its handled count is the messages processed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, Consumer } from '@streamerson/core';
import { serveParent } from './ipc.js';

/** Consumer group of the slow consumer. */
export const SLOW_GROUP = 'bench-slow';

const [url, topic, handlerMsText] = process.argv.slice(2);
if (url === undefined || topic === undefined) throw new Error('usage: slow-consumer <redis url> <topic> <handler ms>');
const handlerMs = Number(handlerMsText ?? '1');

const engine = await connect(url);
// startAt '0': entries appended before the group exists are read too.
const consumer = new Consumer<unknown>(engine, { topic, group: SLOW_GROUP, consumer: 'slow', startAt: '0', autoAck: true });
let handled = 0;
const loop = (async () => {
  for await (const message of consumer) {
    if (message.payload === undefined) continue;
    await sleep(handlerMs);
    handled++;
  }
})();

serveParent({
  handled: () => handled,
  stop: async () => {
    await consumer.close();
    await loop.catch(() => undefined);
    await engine.close();
  },
});
