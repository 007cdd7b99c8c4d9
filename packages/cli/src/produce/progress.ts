/** The progress line of `produce`, shown only when stderr is a terminal. */
import type { TermWritable } from '../context.js';

/** How often the progress line is redrawn. */
export const PROGRESS_INTERVAL_MS = 250;

export function startProgress(stderr: TermWritable, count: () => number): { stop(): void } | undefined {
  if (stderr.isTTY !== true) return undefined;
  const started = performance.now();
  const timer = setInterval(() => {
    const n = count();
    const rate = Math.round(n / ((performance.now() - started) / 1000));
    stderr.write(`\r\x1b[K${n} messages, ${rate} msg/s`);
  }, PROGRESS_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      stderr.write('\r\x1b[K');
    },
  };
}
