/**
 * Line output with backpressure. When the reader goes away (EPIPE, as with
 * `| head -1`) or the output fails otherwise, the output reports it once
 * through `onGone` (with the error) and swallows further writes, so the
 * command can end instead of crashing.
 */
import type { Writable } from 'node:stream';

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

  /** Writes text and waits only when the stream buffer is full. */
  async writeFast(text: string): Promise<void> {
    if (this.#gone) return;
    if (!this.#stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#stream.off('drain', done);
          this.#stream.off('close', done);
          resolve();
        };
        this.#stream.on('drain', done);
        this.#stream.on('close', done);
      });
    }
  }

  #markGone(error: NodeJS.ErrnoException): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#onGone(error);
  }
}
