/**
 * Splits a byte stream into lines, handed out a chunk's worth at a time:
 * one await per chunk instead of one per line keeps a million-line input fast.
 * Each chunk is decoded once (a character cut by a chunk boundary is kept for
 * the next) and split natively. Accepts `\n` and `\r\n`; a last line without a
 * newline counts. The stop signal ends the lines at once, even while waiting
 * for the next chunk (a quiet stdin or named pipe), so a stopped command still
 * flushes and exits.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

const RETURN = 0x0d;
const STOPPED = Symbol('stopped');

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

function withoutReturns(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === RETURN) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** Yields the lines of `input` in batches, in order, until it ends or `signal` fires. */
export async function* lineBatches(input: Readable, signal: AbortSignal): AsyncGenerator<string[]> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const stop = stopped(signal);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), stop.promise]);
      if (next === STOPPED) return;
      if (next.done === true) break;
      const text = rest + (typeof next.value === 'string' ? next.value : decoder.write(next.value));
      const end = text.lastIndexOf('\n');
      if (end === -1) {
        rest = text;
        continue;
      }
      rest = text.slice(end + 1);
      yield withoutReturns(text.slice(0, end).split('\n'));
    }
    rest += decoder.end();
    if (rest !== '') yield withoutReturns([rest]);
  } finally {
    stop.dispose();
    // Not awaited: returning an iterator that waits for a chunk would wait with it.
    void chunks.return?.();
  }
}
