/** The progress line of `produce` and `relay`, shown only when stderr is a terminal. */
import type { TermWritable } from '../context.js';
import { plural } from '../inspect/units.js';

/** How often the progress line is redrawn. */
export const PROGRESS_INTERVAL_MS = 250;

/** Redraws `<n> <units>, <rate>/s` on stderr until stopped; nothing when stderr is not a terminal. */
export function startProgress(stderr: TermWritable, count: () => number, unit = 'message', units = `${unit}s`): { stop(): void } | undefined {
  if (stderr.isTTY !== true) return undefined;
  const started = performance.now();
  const timer = setInterval(() => {
    const n = count();
    const rate = Math.round(n / ((performance.now() - started) / 1000));
    stderr.write(`\r\x1b[K${plural(n, unit, units)}, ${rate}/s`);
  }, PROGRESS_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      stderr.write('\r\x1b[K');
    },
  };
}
