/**
 * The terminal while `top` runs: alternate screen, hidden cursor, raw keys,
 * a redraw when the terminal is resized. Everything is restored on close,
 * however the run ends.
 */
import type { TermReadable, TermWritable } from '../context.js';
import { splitKeys } from './view.js';

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

export class Screen {
  #closed = false;
  readonly #onData: (data: Buffer) => void;
  readonly #onResize: () => void;

  constructor(
    private readonly stdin: TermReadable,
    private readonly stdout: TermWritable,
    onKey: (key: string) => void,
    onResize: () => void,
  ) {
    this.#onData = (data) => {
      for (const key of splitKeys(data.toString('utf8'))) onKey(key);
    };
    this.#onResize = onResize;
    stdout.on('resize', onResize);
    stdout.write(ENTER);
    if (stdin.isTTY === true) stdin.setRawMode?.(true);
    stdin.on('data', this.#onData);
    stdin.resume();
  }

  get width(): number {
    return this.stdout.columns ?? 120;
  }

  get height(): number {
    return this.stdout.rows ?? 40;
  }

  /** Redraws in place: no full clear, so the screen does not flicker. `lines` fit the screen. */
  draw(lines: readonly string[]): void {
    if (this.#closed) return;
    const visible = lines.slice(0, this.height);
    this.stdout.write(HOME + visible.map((l) => l + CLEAR_LINE).join('\r\n') + CLEAR_BELOW);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stdin.off('data', this.#onData);
    this.stdout.off('resize', this.#onResize);
    if (this.stdin.isTTY === true) this.stdin.setRawMode?.(false);
    this.stdin.pause();
    this.stdout.write(LEAVE);
  }
}
