import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import {
  EngineError,
  InvalidOptionError,
  MemoryEngine,
  type AppendItem,
  type AppendOptions,
  type AutoClaimResult,
  type BlockingReader,
  type ClaimOptions,
  type Engine,
  type EngineCapabilities,
  type EngineStats,
  type FieldValue,
  type GroupReadOptions,
  type GroupReadPosition,
  type GroupStart,
  type IdempotentAppendResult,
  type PendingEntry,
  type PendingRangeOptions,
  type PendingSummary,
  type RawEntry,
  type ReadOptions,
  type ReadPosition,
  type Retention,
  type StreamAcks,
  type StreamEntries,
  type StreamInfo,
} from '@streamerson/core';
import { intOption, optionKeys, optionsObject } from '@streamerson/core/internal';
import { InputSource } from './input.js';
import { formatLine } from './lines.js';

/** Stream that stdin lines go to when they name none (`stdio://` without a name). */
export const DEFAULT_INPUT_STREAM = 'stdin';

/** Entries read from stdin but not yet delivered by any read, at most; then reading stdin pauses. */
export const DEFAULT_INPUT_WINDOW = 1_000;

/** Streams whose appends stay in the process instead of going to stdout (the service registry's heartbeats). */
export const INTERNAL_STREAM_PREFIX = '_streamerson:';

/** Options of a {@link StdioEngine}; the defaults are the process's own streams. */
export interface StdioEngineOptions {
  /** Where lines come from; default `process.stdin`. */
  readonly input?: Readable;
  /** Where appended messages go; default `process.stdout`. */
  readonly output?: Writable;
  /** Where bad lines are reported; default `process.stderr`. */
  readonly errors?: Writable;
  /** Default {@link DEFAULT_INPUT_WINDOW}. */
  readonly window?: number;
}

const OPTION_KEYS = optionKeys<StdioEngineOptions>({ input: true, output: true, errors: true, window: true });

let engines = 0;

/**
 * An append's options without `noMkStream`: a stream written to stdout exists
 * in whatever reads it (a reply stream, in the requester at the other end of
 * the pipe), so an append never waits for it to exist here.
 */
function made<T extends AppendOptions>(options: T | undefined): T | undefined {
  if (options?.noMkStream !== true) return options;
  const { noMkStream: _dropped, ...rest } = options;
  return rest as T;
}

/**
 * The engine behind `stdio://[stream]`: a process in a Unix pipe. Every line of
 * stdin (NDJSON, see `lines.ts`) is appended to the stream it names, or to
 * `stream` (default {@link DEFAULT_INPUT_STREAM}); every entry the process
 * appends — a processor's output, a service's replies — is written to stdout
 * as one line. Underneath is an in-process `memory://` store with the whole
 * engine contract (groups, claims, blocking reads), private to this engine.
 *
 * Limits, by design: stdin has one reader, this process; consumer groups work
 * among the consumers of this process only; nothing survives the process. Bad
 * lines are reported on stderr (`streamerson: ERR_STREAMERSON_BAD_INPUT: stdin
 * line N: …`) and skipped. `noMkStream` is ignored: a stream written to stdout
 * exists in its reader (a service's replies go out although the requester's
 * reply stream lives in another process). Appends resolve once stdout took their line (after
 * its `drain` when its buffer is full), so a slow reader of stdout slows the
 * producers down.
 */
export class StdioEngine implements Engine {
  readonly kind = 'stdio' as const;
  /** Streams live in this process only; one blocking read waits on many streams. */
  readonly capabilities: EngineCapabilities = Object.freeze({ multiStreamBlockingRead: true, persistent: false, shared: false });
  readonly url: string;
  private readonly inner: MemoryEngine;
  private readonly input: InputSource;
  private readonly output: Writable;
  private outputError: unknown;

  constructor(stream: string = DEFAULT_INPUT_STREAM, options: StdioEngineOptions = {}) {
    optionsObject(options, OPTION_KEYS, 'stdio');
    if (typeof stream !== 'string' || stream === '') throw new InvalidOptionError('stream', 'expected a stream name');
    const window = intOption(options.window, 'stdio.window', DEFAULT_INPUT_WINDOW, 1);
    this.url = `stdio://${stream === DEFAULT_INPUT_STREAM ? '' : stream}`;
    this.inner = new MemoryEngine(`stdio-${process.pid}-${++engines}`);
    this.output = options.output ?? process.stdout;
    this.output.on('error', (error: unknown) => (this.outputError = error));
    this.input = new InputSource(this.inner, options.input ?? process.stdin, options.errors ?? process.stderr, stream, window);
  }

  /** Settles once the engine is closed (see `Lifecycle.closed`). */
  get closed(): Promise<Error | undefined> {
    return this.inner.closed;
  }

  /** Nothing to connect to: resolves at once, or rejects with `ERR_STREAMERSON_CLOSED`. */
  start(): Promise<void> {
    return this.inner.start();
  }

  stats(): EngineStats {
    return this.inner.stats();
  }

  /**
   * Resolves with the number of lines read once stdin has ended and every entry
   * it brought was delivered by a read: then a processor has seen all its input
   * and may drain and exit.
   */
  inputDone(): Promise<number> {
    return this.input.whenDone();
  }

  /** Writes the lines of appended entries to stdout; resolves when stdout took them. */
  private async emit(entries: readonly { stream: string; id: string | null; fields: readonly FieldValue[] }[]): Promise<void> {
    let text = '';
    for (const e of entries) {
      if (e.id === null || e.stream.startsWith(INTERNAL_STREAM_PREFIX)) continue;
      const fields = e.fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
      text += `${formatLine(e.stream, { id: e.id, fields })}\n`;
    }
    if (text === '') return;
    if (this.outputError !== undefined)
      throw new EngineError('ERR_STREAMERSON_ENGINE', 'stdout is closed: nobody reads the output of this process', { cause: this.outputError });
    if (!this.output.write(text)) await once(this.output, 'drain');
  }

  private delivered(results: StreamEntries[]): StreamEntries[] {
    this.input.delivering(results);
    return results;
  }

  async append(stream: string, fields: readonly FieldValue[], options?: AppendOptions): Promise<string | null> {
    const id = await this.inner.append(stream, fields, made(options));
    await this.emit([{ stream, id, fields }]);
    return id;
  }

  async appendBatch(items: readonly AppendItem[]): Promise<(string | null)[]> {
    const ids = await this.inner.appendBatch(items.map((item) => made(item)!));
    await this.emit(items.map((item, i) => ({ stream: item.stream, id: ids[i]!, fields: item.fields })));
    return ids;
  }

  async appendIdempotent(
    stream: string,
    fields: readonly FieldValue[],
    messageId: string,
    windowMs: number,
    options?: AppendOptions,
  ): Promise<IdempotentAppendResult> {
    const result = await this.inner.appendIdempotent(stream, fields, messageId, windowMs, made(options));
    if (!result.duplicate) await this.emit([{ stream, id: result.id, fields }]);
    return result;
  }

  idempotentId(stream: string, messageId: string): Promise<string | null> {
    return this.inner.idempotentId(stream, messageId);
  }

  async read(positions: readonly ReadPosition[], options?: Omit<ReadOptions, 'blockMs'>): Promise<StreamEntries[]> {
    return this.delivered(await this.inner.read(positions, options));
  }

  range(stream: string, start: string, end: string, count?: number): Promise<RawEntry[]> {
    return this.inner.range(stream, start, end, count);
  }

  revRange(stream: string, end: string, start: string, count?: number): Promise<RawEntry[]> {
    return this.inner.revRange(stream, end, start, count);
  }

  lastId(stream: string): Promise<string> {
    return this.inner.lastId(stream);
  }

  /** A reader of the private store; its reads count as deliveries of stdin's entries. */
  openReader(): BlockingReader {
    const reader = this.inner.openReader();
    return {
      read: async (positions, options) => this.delivered(await reader.read(positions, options)),
      readGroup: async (group, consumer, positions, options) => this.delivered(await reader.readGroup(group, consumer, positions, options)),
      interrupt: () => reader.interrupt(),
      close: () => reader.close(),
    };
  }

  createGroup(stream: string, group: string, start?: GroupStart): Promise<boolean> {
    return this.inner.createGroup(stream, group, start);
  }

  destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.inner.destroyGroup(stream, group);
  }

  setGroupId(stream: string, group: string, id: string): Promise<void> {
    return this.inner.setGroupId(stream, group, id);
  }

  async readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: Omit<GroupReadOptions, 'blockMs'>,
  ): Promise<StreamEntries[]> {
    return this.delivered(await this.inner.readGroup(group, consumer, positions, options));
  }

  ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    return this.inner.ack(stream, group, ids);
  }

  /** Appends (written to stdout), then acks; when an append fails nothing is acknowledged. */
  async appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void> {
    await this.appendBatch(items);
    for (const a of acks) await this.inner.ack(a.stream, group, a.ids);
  }

  pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return this.inner.pendingSummary(stream, group);
  }

  pendingRange(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntry[]> {
    return this.inner.pendingRange(stream, group, options);
  }

  claim(stream: string, group: string, consumer: string, ids: readonly string[], options: ClaimOptions): Promise<RawEntry[]> {
    return this.inner.claim(stream, group, consumer, ids, options);
  }

  autoClaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<AutoClaimResult> {
    return this.inner.autoClaim(stream, group, consumer, minIdleMs, start, count);
  }

  deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    return this.inner.deleteConsumer(stream, group, consumer);
  }

  trim(stream: string, retention: Retention): Promise<number> {
    return this.inner.trim(stream, retention);
  }

  deleteEntries(stream: string, ids: readonly string[]): Promise<number> {
    return this.inner.deleteEntries(stream, ids);
  }

  deleteStreams(streams: readonly string[]): Promise<number> {
    return this.inner.deleteStreams(streams);
  }

  expire(stream: string, ttlMs: number): Promise<boolean> {
    return this.inner.expire(stream, ttlMs);
  }

  info(stream: string): Promise<StreamInfo | null> {
    return this.inner.info(stream);
  }

  listStreams(prefix: string, limit?: number): Promise<string[]> {
    return this.inner.listStreams(prefix, limit);
  }

  length(stream: string): Promise<number> {
    return this.inner.length(stream);
  }

  /** Idempotent. Stops reading stdin; blocked reads resolve with `[]`. */
  async close(): Promise<void> {
    this.destroy();
  }

  /** The same as {@link close}: an engine takes no work of its own. */
  drain(): Promise<void> {
    return this.close();
  }

  /** Idempotent; the same as {@link close}, except that {@link closed} resolves with `error`. */
  destroy(error?: Error): void {
    this.input.close();
    this.inner.destroy(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }
}
