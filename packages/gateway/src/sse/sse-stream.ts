/**
 * One Server-Sent Events response subscribed to a topic. Event ids are stream
 * entry ids; heartbeats are comments. Past `maxBufferedBytes` unsent, the
 * stream gets an `error` event with ERR_STREAMERSON_SLOW_CONSUMER and ends;
 * a client that does not take that end within {@link SLOW_CLOSE_GRACE_MS} is
 * cut, which frees what the response held.
 */
import type { ServerResponse } from 'node:http';
import type { HubEvent } from '../hub/event.js';
import { whenRoom } from '../hub/room.js';
import type { EventSink, Subscription } from '../hub/topic-hub.js';
import { SLOW_CLOSE_GRACE_MS } from '../hub/slow.js';

const HEARTBEAT = ': heartbeat\n\n';
const SLOW = `event: error\ndata: ${JSON.stringify({ error: { code: 'ERR_STREAMERSON_SLOW_CONSUMER', message: 'the stream fell behind and was closed' } })}\n\n`;

export class SseStream implements EventSink {
  private sub: Subscription | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: () => void,
  ) {
    this.heartbeat = setInterval(() => this.res.write(HEARTBEAT), heartbeatMs).unref();
    res.once('close', () => this.end());
  }

  attach(sub: Subscription): void {
    if (this.ended) sub.close();
    else this.sub = sub;
  }

  send(event: HubEvent): boolean {
    if (this.ended) return true;
    if (this.res.writableLength > this.maxBufferedBytes) return false;
    this.res.write(event.sse);
    return true;
  }

  whenRoom(): Promise<void> {
    return whenRoom(
      () => this.res.writableLength > this.maxBufferedBytes / 2,
      () => this.ended,
    );
  }

  overflow(): void {
    if (this.ended) return;
    this.onSlow();
    this.res.end(SLOW);
    this.end();
    const cut = setTimeout(() => this.res.destroy(), SLOW_CLOSE_GRACE_MS).unref();
    this.res.once('close', () => clearTimeout(cut));
  }

  /** Ends the stream with an `error` event carrying a code. */
  fail(code: string, message: string): void {
    if (this.ended) return;
    this.res.end(`event: error\ndata: ${JSON.stringify({ error: { code, message } })}\n\n`);
    this.end();
  }

  /** Ends the response (gateway closing). */
  close(): void {
    this.end();
    this.res.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.sub?.close();
  }
}
