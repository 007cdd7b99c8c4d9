/**
 * The gateway's one shared subscription reader. Every subscribed topic is a
 * feed in a single plain `read` on one BlockingReader; each entry read is
 * decoded and serialized once and fanned out to the feed's subscribers. When
 * a topic is added the blocking read is interrupted (`BlockingReader.interrupt`,
 * on the same connection) and started again with the new set — at most one
 * interrupt per read, however many topics came meanwhile; a topic with no
 * subscribers left simply drops out of the next read.
 *
 * A subscriber that starts from an id first catches up with non-blocking
 * reads while live events for it are queued, then drains the queue: it sees
 * every entry after its id exactly once, in order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  compareStreamIds,
  decodeEntry,
  ProtocolError,
  StreamersonError,
  type BlockingReader,
  type Engine,
  type RawEntry,
  type StreamEntries,
} from '@streamerson/core';
import { HubEvent } from './event.js';

/** Pause after a failed shared read before trying again. */
const ERROR_PAUSE_MS = 200;

/** Where subscribers receive events. */
export interface EventSink {
  /** Sends one event; false when the sink's send buffer is over its bound (the hub then drops it). */
  send(event: HubEvent): boolean;
  /** The sink fell behind and was dropped from its topic. */
  overflow(): void;
  /** Resolves once the send buffer is at most half full (or the sink ended): catch-up waits on it. */
  whenRoom(): Promise<void>;
}

/** Options of a {@link TopicHub}. */
export interface TopicHubOptions {
  readonly blockMs: number;
  readonly readCount: number;
  readonly maxCatchUpQueue: number;
}

interface Feed {
  readonly stream: string;
  /** Last entry id the shared read delivered. */
  after: string;
  readonly subs: Set<Subscription>;
}

/** One subscriber on one topic. `close()` is idempotent. */
export class Subscription {
  cursor: string;
  private queue: HubEvent[] | undefined;
  private catching = false;
  private closed = false;

  constructor(
    private readonly hub: TopicHub,
    readonly topic: string,
    private readonly sink: EventSink,
    cursor: string,
    catchingUp: boolean,
  ) {
    this.cursor = cursor;
    this.queue = catchingUp ? [] : undefined;
  }

  /** A live event from the shared read. */
  deliver(event: HubEvent): void {
    if (this.closed) return;
    if (this.queue !== undefined) {
      if (this.queue.length >= this.hub.options.maxCatchUpQueue) this.overflow();
      else this.queue.push(event);
      return;
    }
    this.push(event);
  }

  /**
   * Sends the entries after the starting id, then the live events queued
   * meanwhile. Resolves at once for a subscription that started from now.
   */
  catchUp(): Promise<void> {
    if (this.queue === undefined || this.catching) return Promise.resolve();
    this.catching = true;
    return this.hub.catchUp(this).catch((err: unknown) => {
      this.close();
      throw err;
    });
  }

  /** Ends the catch-up: queued live events newer than the cursor are sent. */
  finishCatchUp(): void {
    const queue = this.queue;
    this.queue = undefined;
    if (queue === undefined) return;
    for (const event of queue) if (!this.push(event)) return;
  }

  /** Sends one event past the cursor; false when the subscription ended. */
  push(event: HubEvent): boolean {
    if (this.closed) return false;
    if (compareStreamIds(event.id, this.cursor) <= 0) return true;
    this.cursor = event.id;
    if (this.sink.send(event)) return true;
    this.overflow();
    return false;
  }

  /** Waits for room in the sink's send buffer. */
  whenRoom(): Promise<void> {
    return this.sink.whenRoom();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = undefined;
    this.hub.remove(this);
  }

  private overflow(): void {
    this.close();
    this.sink.overflow();
  }
}

export class TopicHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly adding = new Map<string, Promise<Feed>>();
  private readonly stop = new AbortController();
  private reader: BlockingReader | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Whether the read under way was interrupted already (changes coalesce until the next read). */
  private interrupted = false;
  private closed = false;
  private subscriptions = 0;
  private badEntryCount = 0;
  private readErrorCount = 0;

  constructor(
    private readonly engine: Engine,
    readonly options: TopicHubOptions,
  ) {}

  /** Subscriptions open now. */
  get size(): number {
    return this.subscriptions;
  }

  /** Entries of subscribed topics that are not protocol messages; skipped. */
  get badEntries(): number {
    return this.badEntryCount;
  }

  /** Failed shared reads (each retried after a pause). */
  get readErrors(): number {
    return this.readErrorCount;
  }

  /** Topics in the shared read now. */
  get topics(): number {
    return this.feeds.size;
  }

  /**
   * Subscribes `sink` to a topic (a single-shard topic: its stream is its
   * name). From now, or after `from`: then live events are held until
   * {@link Subscription.catchUp} has sent the entries in between.
   */
  async subscribe(topic: string, sink: EventSink, from?: string): Promise<Subscription> {
    if (this.closed) throw new StreamersonError('ERR_STREAMERSON_CLOSED', 'the gateway is closed');
    const feed = this.feeds.get(topic) ?? (await this.addFeed(topic));
    const sub = new Subscription(this, topic, sink, from ?? feed.after, from !== undefined);
    feed.subs.add(sub);
    this.subscriptions++;
    return sub;
  }

  /** Called by {@link Subscription.close}. */
  remove(sub: Subscription): void {
    const feed = this.feeds.get(sub.topic);
    if (feed === undefined || !feed.subs.delete(sub)) return;
    this.subscriptions--;
    if (feed.subs.size === 0) this.feeds.delete(sub.topic);
  }

  /** Stops the shared read. Subscriptions get no more events. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    this.wake?.();
    await this.reader?.close();
    await this.loop;
    this.feeds.clear();
  }

  private addFeed(topic: string): Promise<Feed> {
    let pending = this.adding.get(topic);
    if (pending === undefined) {
      pending = (async () => {
        const after = await this.engine.lastId(topic);
        const feed: Feed = this.feeds.get(topic) ?? { stream: topic, after, subs: new Set() };
        this.feeds.set(topic, feed);
        this.restartRead();
        return feed;
      })().finally(() => this.adding.delete(topic));
      this.adding.set(topic, pending);
    }
    return pending;
  }

  /** Makes the read loop pick up a changed set of topics. */
  private restartRead(): void {
    if (this.wake !== undefined) {
      this.wake();
      return;
    }
    if (this.loop === undefined) {
      this.loop = this.readForever();
      return;
    }
    if (this.interrupted) return;
    this.interrupted = true;
    // Ends the blocking read at once; the loop reads again with the new set, on the same reader.
    this.reader?.interrupt();
  }

  /**
   * Called by {@link Subscription.catchUp}: pages of non-blocking reads until
   * the stream's end, each event sent once the sink has room.
   */
  async catchUp(sub: Subscription): Promise<void> {
    const stream = sub.topic;
    const count = this.options.readCount;
    for (;;) {
      if (sub.isClosed) return;
      const batches = await this.engine.read([{ stream, after: sub.cursor }], { count });
      const entries = batches[0]?.entries ?? [];
      for (const entry of entries) {
        const event = this.toEvent(stream, entry);
        if (event === undefined) {
          sub.cursor = entry.id;
          continue;
        }
        // History is sent at the pace the subscriber takes it: only live events can make it slow.
        await sub.whenRoom();
        if (!sub.push(event)) return;
      }
      if (entries.length < count) break;
    }
    sub.finishCatchUp();
  }

  /** The event of an entry, or undefined for an entry that is not a protocol message (skipped). */
  private toEvent(stream: string, entry: RawEntry): HubEvent | undefined {
    const msg = decodeEntry(stream, entry);
    if (msg instanceof ProtocolError) {
      this.badEntryCount++;
      return undefined;
    }
    return new HubEvent(stream, entry.id, msg);
  }

  private async readForever(): Promise<void> {
    const { blockMs, readCount } = this.options;
    while (!this.closed) {
      if (this.feeds.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const positions = [];
      for (const feed of this.feeds.values()) positions.push({ stream: feed.stream, after: feed.after });
      const reader = (this.reader ??= this.engine.openReader());
      this.interrupted = false;
      let batches: StreamEntries[];
      try {
        batches = await reader.read(positions, { count: readCount, blockMs });
      } catch {
        if (this.closed) return;
        this.readErrorCount++;
        if (this.reader === reader) this.reader = undefined;
        void reader.close();
        await delay(ERROR_PAUSE_MS, undefined, { signal: this.stop.signal }).catch(() => undefined);
        continue;
      }
      for (const { stream, entries } of batches) {
        const feed = this.feeds.get(stream);
        if (feed === undefined) continue;
        for (const entry of entries) {
          feed.after = entry.id;
          const event = this.toEvent(stream, entry);
          if (event !== undefined) for (const sub of feed.subs) sub.deliver(event);
        }
      }
    }
  }
}
