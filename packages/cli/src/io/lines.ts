/**
 * Splits a byte stream into lines, handed out a chunk's worth at a time:
 * one await per chunk instead of one per line keeps a million-line input fast.
 * Accepts `\n` and `\r\n`; a last line without a newline counts. The stop
 * signal ends the lines at once, even while waiting for the next chunk (a
 * quiet stdin or named pipe), so a stopped command still flushes and exits.
 */
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const STOPPED = Symbol('stopped');

function lineOf(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === RETURN ? end - 1 : end;
  return buf.toString('utf8', start, stop);
}

function stopped(signal: AbortSignal): { promise: Promise<typeof STOPPED>; dispose(): void } {
  let dispose = () => undefined as void;
  const promise = new Promise<typeof STOPPED>((resolve) => {
    if (signal.aborted) return resolve(STOPPED);
    const onAbort = () => resolve(STOPPED);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, dispose };
}

/** Yields the lines of `input` in batches, in order, until it ends or `signal` fires. */
export async function* lineBatches(input: Readable, signal: AbortSignal): AsyncGenerator<string[]> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const stop = stopped(signal);
  let rest: Buffer | undefined;
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), stop.promise]);
      if (next === STOPPED) return;
      if (next.done === true) break;
      const data = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      const buf = rest === undefined ? data : Buffer.concat([rest, data]);
      const lines: string[] = [];
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
        lines.push(lineOf(buf, start, nl));
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
      if (lines.length > 0) yield lines;
    }
    if (rest !== undefined && rest.length > 0) yield [lineOf(rest, 0, rest.length)];
  } finally {
    stop.dispose();
    // Not awaited: returning an iterator that waits for a chunk would wait with it.
    void chunks.return?.();
  }
}
