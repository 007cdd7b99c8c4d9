/**
 * Operations on a dead-letter stream: list, inspect, replay and purge. Replay
 * appends the original entry's fields to the stream it was read from (a fresh
 * entry id, a fresh delivery count) and then deletes the letter, so a letter
 * is never lost: a crash between the two leaves both, and a second replay of
 * the same letter is the only way to run it twice.
 */
import { InvalidOptionError, validateTopic, type Engine } from '@streamerson/core';
import { deadLetterStream } from './service-options.js';
import { parseDeadLetter, type DeadLetter } from './dead-letter.js';

/** Letters returned by {@link DeadLetters.list} when no count is given. */
export const DEFAULT_DEAD_LETTER_PAGE = 100;

/** Options of {@link DeadLetters.list}. */
export interface DeadLetterListOptions {
  /** Letters after this dead-letter entry id (exclusive); default from the oldest. */
  readonly after?: string;
  /** Page size; default {@link DEFAULT_DEAD_LETTER_PAGE}. */
  readonly count?: number;
}

/** Result of a replay: which letters went back to which entry ids. */
export interface ReplayResult {
  readonly replayed: { readonly letter: string; readonly stream: string; readonly id: string }[];
  /** Letters not found (already replayed or purged). */
  readonly missing: string[];
}

/** The dead letters of one topic (`<topic>:dlq`, or an explicit stream). */
export class DeadLetters {
  readonly stream: string;

  constructor(private readonly engine: Engine, topic: string, options: { readonly stream?: string } = {}) {
    this.stream = options.stream === undefined ? deadLetterStream(validateTopic(topic)) : validateTopic(options.stream, 'stream');
  }

  /** How many letters there are. */
  count(): Promise<number> {
    return this.engine.length(this.stream);
  }

  /** Letters, oldest first. Entries of the stream that are not letters are skipped. */
  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const count = options.count ?? DEFAULT_DEAD_LETTER_PAGE;
    if (!Number.isInteger(count) || count < 1) throw new InvalidOptionError('count', `expected an integer >= 1, got ${String(count)}`);
    const start = options.after === undefined ? '-' : `(${options.after}`;
    const entries = await this.engine.range(this.stream, start, '+', count);
    return entries.map((e) => parseDeadLetter(e)).filter((l): l is DeadLetter => l !== undefined);
  }

  /** One letter by its dead-letter entry id. */
  async get(id: string): Promise<DeadLetter | undefined> {
    const [entry] = await this.engine.range(this.stream, id, id);
    return entry === undefined ? undefined : parseDeadLetter(entry);
  }

  /** Puts letters back on the streams they came from, then deletes them. */
  async replay(ids: readonly string[]): Promise<ReplayResult> {
    const replayed: ReplayResult['replayed'][number][] = [];
    const missing: string[] = [];
    for (const letterId of ids) {
      const letter = await this.get(letterId);
      if (letter === undefined) {
        missing.push(letterId);
        continue;
      }
      const id = (await this.engine.append(letter.meta.stream, letter.original.fields)) as string;
      await this.engine.deleteEntries(this.stream, [letterId]);
      replayed.push({ letter: letterId, stream: letter.meta.stream, id });
    }
    return { replayed, missing };
  }

  /** Replays every letter, oldest first, in pages. */
  async replayAll(): Promise<ReplayResult> {
    const replayed: ReplayResult['replayed'][number][] = [];
    const missing: string[] = [];
    for (;;) {
      const page = await this.list({ count: DEFAULT_DEAD_LETTER_PAGE });
      if (page.length === 0) return { replayed, missing };
      const r = await this.replay(page.map((l) => l.id));
      replayed.push(...r.replayed);
      missing.push(...r.missing);
      if (r.replayed.length === 0) return { replayed, missing };
    }
  }

  /** Deletes the given letters, or every letter when no ids are given; returns how many were deleted. */
  async purge(ids?: readonly string[]): Promise<number> {
    if (ids === undefined) {
      const n = await this.engine.length(this.stream);
      await this.engine.deleteStreams([this.stream]);
      return n;
    }
    return ids.length === 0 ? 0 : this.engine.deleteEntries(this.stream, ids);
  }
}
