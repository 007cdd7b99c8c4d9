/** The processor that the replay test records and replays: a running count of orders per customer. */
import { defineProcessor } from '@streamerson/processor';

export const TOPIC = 'replay-orders';

export function counts(name: string, step = 1) {
  return defineProcessor<{ n: number }>({
    name,
    inputs: [{ topic: TOPIC, shards: 2 }],
    outputs: [`${TOPIC}-counts`],
    state: { initial: () => ({ n: 0 }) },
    handlers: {
      placed: (msg, ctx) => {
        const n = ctx.state.n + ((msg.payload as { big?: boolean }).big === true ? step : 1);
        ctx.setState({ n });
        ctx.emit(`${TOPIC}-counts`, 'count', { key: ctx.key, n, ref: ctx.uuid() }, { key: ctx.key! });
      },
    },
  });
}

export const recorded = counts('replay-counts');
