/**
 * Operations on a dead-letter stream: list, inspect, replay and purge. Replay
 * appends the original message to the stream it was read from (a fresh entry
 * id, a fresh delivery count) — a request with a new deadline, or as an event —
 * and deletes the letter only once that append was accepted, so a letter is
 * never lost: a failed append keeps it, a crash between the two leaves both,
 * and a second replay of the same letter is the only way to run it twice.
 */
import { compareStreamIds, decodeEntry, InvalidOptionError, ProtocolError, validateTopic, type Engine, type FieldValue } from '@streamerson/core';
import { replayFields, type ReplayAs } from './replay.js';
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

/** Default time a replayed request has to run: its new deadline is this far from the replay. */
export const DEFAULT_REPLAY_TIMEOUT_MS = 10_000;

/** Options of {@link DeadLetters.replay}. */
export interface ReplayOptions {
  /**
   * `request` (default): a request goes back as it was, with a new deadline
   * `timeoutMs` from now, and its reply goes to its reply stream if that still
   * exists. `event`: without reply-to and deadline, nobody waiting.
   */
  readonly as?: ReplayAs;
  /** Time a replayed request gets before its new deadline; default {@link DEFAULT_REPLAY_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** Result of a replay: which letters went back to which entry ids, and which did not. */
export interface ReplayResult {
  readonly replayed: { readonly letter: string; readonly stream: string; readonly id: string }[];
  /** Letters not found (already replayed or purged). */
  readonly missing: string[];
  /** Letters whose replay was not accepted (kept), or whose deletion after it failed (replayed, still listed). */
  readonly failed: { readonly letter: string; readonly stage: 'append' | 'delete'; readonly error: unknown }[];
}

/** The dead letters of one topic (`<topic>:dlq`, or an explicit stream). */
export class DeadLetters {
  readonly stream: string;

  constructor(
    private readonly engine: Engine,
    topic: string,
    options: { readonly stream?: string } = {},
  ) {
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

  /**
   * Puts letters back on the streams they came from (see {@link ReplayOptions}),
   * deleting each once its append was accepted. Entries that are not v1
   * messages go back unchanged.
   */
  async replay(ids: readonly string[], options: ReplayOptions = {}): Promise<ReplayResult> {
    const as = options.as ?? 'request';
    if (as !== 'request' && as !== 'event') throw new InvalidOptionError('as', `expected "request" or "event", got ${String(as)}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidOptionError('timeoutMs', `expected an integer >= 1, got ${String(timeoutMs)}`);
    const result: ReplayResult = { replayed: [], missing: [], failed: [] };
    for (const letterId of ids) {
      const letter = await this.get(letterId);
      if (letter === undefined) {
        result.missing.push(letterId);
        continue;
      }
      const stream = letter.meta.stream;
      const msg = decodeEntry(stream, letter.original);
      const fields: readonly FieldValue[] =
        msg instanceof ProtocolError ? letter.original.fields : replayFields(letter.original, msg, as, Date.now() + timeoutMs);
      let id: string;
      try {
        id = (await this.engine.append(stream, fields)) as string;
      } catch (error) {
        result.failed.push({ letter: letterId, stage: 'append', error });
        continue;
      }
      result.replayed.push({ letter: letterId, stream, id });
      try {
        await this.engine.deleteEntries(this.stream, [letterId]);
      } catch (error) {
        result.failed.push({ letter: letterId, stage: 'delete', error });
      }
    }
    return result;
  }

  /** Replays every letter, oldest first, in pages; stops at a page none of whose letters could be replayed. */
  async replayAll(options: ReplayOptions = {}): Promise<ReplayResult> {
    const all: ReplayResult = { replayed: [], missing: [], failed: [] };
    // Only the letters there now: a replayed message that fails again must not be replayed again by this call.
    const [newest] = await this.engine.revRange(this.stream, '+', '-', 1);
    if (newest === undefined) return all;
    let after: string | undefined;
    for (;;) {
      const page = (await this.list({ count: DEFAULT_DEAD_LETTER_PAGE, ...(after === undefined ? {} : { after }) })).filter(
        (l) => compareStreamIds(l.id, newest.id) <= 0,
      );
      if (page.length === 0) return all;
      const r = await this.replay(
        page.map((l) => l.id),
        options,
      );
      all.replayed.push(...r.replayed);
      all.missing.push(...r.missing);
      all.failed.push(...r.failed);
      if (r.replayed.length === 0) return all;
      after = page.at(-1)!.id;
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
