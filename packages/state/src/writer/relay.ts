/**
 * Forwards the commands a shard emitted (its outbox stream) to the command
 * streams of their targets, then deletes them from the outbox. A crash between
 * the two forwards a command twice; its target applies it once, by its id. On
 * start, and after a write whose outcome is unknown, the whole outbox is
 * scanned: whatever is still in it was not forwarded for sure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeMessage, type AppendItem, type Engine } from '@streamerson/core';
import { Backoff } from '@streamerson/core/internal';
import { decodeOutbox, type OutboxCommand } from '../codec.js';
import { KEY_HEADER } from '../errors.js';

/** Commands forwarded per round trip, at most. */
export const RELAY_BATCH = 500;

interface Queued {
  /** The outbox entry id. */
  readonly id: string;
  readonly command: OutboxCommand;
}

export interface RelayHooks {
  /** A forward failed (it is retried) or an outbox entry is not a command (it is deleted). */
  error(error: Error): void;
}

export class Relay {
  private queue: Queued[] = [];
  private scan = true;
  private pumping: Promise<void> | undefined;
  private stopped = false;
  private idle: (() => void)[] = [];
  private readonly retry = new Backoff({ minMs: 50, maxMs: 2_000 });
  forwarded = 0;

  constructor(
    private readonly engine: Engine,
    private readonly outbox: string,
    private readonly source: string,
    private readonly hooks: RelayHooks,
  ) {}

  /** Commands queued and not yet forwarded. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues commands just stored in the outbox under `ids`. */
  push(ids: readonly (string | null)[], commands: readonly OutboxCommand[]): void {
    commands.forEach((command, i) => {
      const id = ids[i];
      if (id != null) this.queue.push({ id, command });
    });
    this.kick();
  }

  /** Forwards everything in the outbox stream (its state is unknown after a failed write). */
  rescan(): void {
    this.scan = true;
    this.kick();
  }

  /** Resolves once nothing is queued (or the relay stopped). */
  whenIdle(): Promise<void> {
    if (this.pumping === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private kick(): void {
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      for (const resolve of this.idle.splice(0)) resolve();
      if (!this.stopped && (this.scan || this.queue.length > 0)) this.kick();
    });
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.scan) await this.scanOutbox();
        const batch = this.queue.slice(0, RELAY_BATCH);
        if (batch.length === 0) return;
        await this.engine.appendBatch(batch.map((q) => this.forwardItem(q.command)));
        await this.engine.deleteEntries(
          this.outbox,
          batch.map((q) => q.id),
        );
        this.queue.splice(0, batch.length);
        this.forwarded += batch.length;
        this.retry.reset();
      } catch (error) {
        if (this.stopped) return;
        this.hooks.error(error as Error);
        await sleep(this.retry.next());
      }
    }
  }

  /** Replaces the queue with the outbox stream's content: everything queued is in it too. */
  private async scanOutbox(): Promise<void> {
    const found: Queued[] = [];
    const bad: string[] = [];
    let start = '-';
    for (;;) {
      const page = await this.engine.range(this.outbox, start, '+', RELAY_BATCH);
      for (const entry of page) {
        const command = decodeOutbox(entry);
        if (command === undefined) bad.push(entry.id);
        else found.push({ id: entry.id, command });
      }
      if (page.length < RELAY_BATCH) break;
      start = `(${page[page.length - 1]!.id}`;
    }
    if (bad.length > 0) {
      await this.engine.deleteEntries(this.outbox, bad);
      this.hooks.error(new Error(`deleted ${bad.length} outbox entries of "${this.outbox}" that are not emitted commands`));
    }
    this.queue = found;
    this.scan = false;
  }

  private forwardItem(command: OutboxCommand): AppendItem {
    return {
      stream: command.to,
      fields: encodeMessage({ id: command.id, type: command.type, headers: { [KEY_HEADER]: command.key }, payload: command.payload, source: this.source }),
    };
  }
}
