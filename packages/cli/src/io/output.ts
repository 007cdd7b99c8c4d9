/**
 * Line output with backpressure. When the reader goes away (EPIPE, as with
 * `| head -1`) or the output fails otherwise, the output reports it once
 * through `onGone` (with the error) and swallows further writes, so the
 * command can end instead of crashing.
 */
import type { Writable } from 'node:stream';

/** Bytes written at once by {@link Output.writeAll}: PIPE_BUF on Linux, the most a pipe takes whole or not at all. */
export const WRITE_CHUNK_BYTES = 4096;

/** Resolves true once `written` settles, or false as soon as `signal` fires. */
function writtenOrStopped(written: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void written.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

export class Output {
  readonly #stream: Writable;
  readonly #onGone: (error: NodeJS.ErrnoException) => void;
  #gone = false;

  constructor(stream: Writable, onGone: (error: NodeJS.ErrnoException) => void) {
    this.#stream = stream;
    this.#onGone = onGone;
    stream.on('error', (error: NodeJS.ErrnoException) => this.#markGone(error));
  }

  /** True once the reader went away. */
  get gone(): boolean {
    return this.#gone;
  }

  /**
   * Writes text and resolves once it was handed to the operating system, so a
   * caller can acknowledge what it wrote. Resolves (never rejects) when the
   * reader went away; check {@link gone}.
   */
  write(text: string): Promise<void> {
    if (this.#gone) return Promise.resolve();
    return new Promise((resolve) => {
      this.#stream.write(text, (error) => {
        if (error) this.#markGone(error);
        resolve();
      });
    });
  }

  /**
   * Writes texts (each one or more whole lines) in order, and resolves with how
   * many of them reached the operating system — for a consumer group, what may
   * be acknowledged. Texts are gathered into writes of at most
   * {@link WRITE_CHUNK_BYTES}; while the reader keeps up each write completes at
   * once, and when it is slow the next one waits for it. When `signal` fires,
   * the writing stops after the write under way (a pipe takes a write of up to
   * PIPE_BUF bytes whole or not at all, so no line is cut): a stop takes effect
   * after the line being written however slow the reader is, and what was not
   * written is not counted.
   */
  async writeAll(texts: readonly string[], signal: AbortSignal): Promise<number> {
    let done = 0;
    let i = 0;
    while (i < texts.length && !this.#gone && !signal.aborted) {
      let chunk = texts[i]!;
      let bytes = Buffer.byteLength(chunk);
      let end = i + 1;
      for (; end < texts.length; end++) {
        const more = Buffer.byteLength(texts[end]!);
        if (bytes + more > WRITE_CHUNK_BYTES) break;
        chunk += texts[end]!;
        bytes += more;
      }
      const written = new Promise<void>((resolve) => {
        this.#stream.write(chunk, (error) => {
          if (error) this.#markGone(error);
          resolve();
        });
      });
      if (this.#stream.writableLength > 0) {
        // A write larger than a pipe takes whole may be under way in part: it is finished, whatever the signal says.
        if (bytes > WRITE_CHUNK_BYTES) await written;
        else if (!(await writtenOrStopped(written, signal))) return done;
      }
      if (this.#gone) return done;
      done = end;
      i = end;
    }
    return done;
  }

  #markGone(error: NodeJS.ErrnoException): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#onGone(error);
  }
}
