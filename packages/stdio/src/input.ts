import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { compareStreamIds, StreamersonError, type Engine, type StreamEntries } from '@streamerson/core';
import { parseLine, type LineAppend } from './lines.js';

/**
 * Lines of stdin appended to the engine's streams, read only as fast as they
 * are consumed: reading pauses while `window` appended entries have not been
 * delivered by any read yet, and resumes below half of it, so a slow consumer
 * holds back the writer of the pipe instead of filling memory.
 */
export class InputSource {
  private readonly lines: Interface;
  /** Highest entry id delivered so far, per stream that stdin appended to. */
  private readonly delivered = new Map<string, string>();
  private appendedCount = 0;
  private deliveredCount = 0;
  private lineNumber = 0;
  private paused = false;
  private ended = false;
  private readonly done: Promise<number>;
  private markDone!: (lines: number) => void;

  constructor(
    private readonly engine: Engine,
    input: Readable,
    private readonly errors: Writable,
    private readonly defaultStream: string,
    private readonly window: number,
  ) {
    this.done = new Promise((resolve) => (this.markDone = resolve));
    this.lines = createInterface({ input, crlfDelay: Infinity });
    this.lines.on('line', (text) => this.onLine(text));
    this.lines.on('close', () => {
      this.ended = true;
      this.check();
    });
  }

  private onLine(text: string): void {
    const line = ++this.lineNumber;
    let append: LineAppend | undefined;
    try {
      append = parseLine(text, line, this.defaultStream);
    } catch (error) {
      this.report(error);
      return;
    }
    if (append === undefined) return;
    if (!this.delivered.has(append.stream)) this.delivered.set(append.stream, '0-0');
    this.appendedCount++;
    // The memory engine underneath appends when called; the promise only reports failures.
    this.engine.append(append.stream, append.fields).catch((error: unknown) => this.report(error));
    if (!this.paused && this.appendedCount - this.deliveredCount >= this.window) {
      this.paused = true;
      this.lines.pause();
    }
  }

  /** A bad line or a refused append: one line on stderr, then the next line. */
  private report(error: unknown): void {
    const code = error instanceof StreamersonError ? error.code : 'ERR_STREAMERSON_INTERNAL';
    this.errors.write(`streamerson: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
  }

  /** Counts the entries of stdin's streams that a read hands out for the first time. */
  delivering(results: readonly StreamEntries[]): void {
    for (const r of results) {
      let high = this.delivered.get(r.stream);
      if (high === undefined) continue;
      for (const e of r.entries) {
        if (compareStreamIds(e.id, high) <= 0) continue;
        high = e.id;
        this.deliveredCount++;
      }
      this.delivered.set(r.stream, high);
    }
    this.check();
  }

  private check(): void {
    const waiting = this.appendedCount - this.deliveredCount;
    if (this.paused && waiting < this.window / 2) {
      this.paused = false;
      this.lines.resume();
    }
    if (this.ended && waiting <= 0) this.markDone(this.lineNumber);
  }

  /** Resolves with the number of lines read once stdin ended and every entry it brought was delivered. */
  whenDone(): Promise<number> {
    return this.done;
  }

  close(): void {
    this.lines.close();
  }
}
