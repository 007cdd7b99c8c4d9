/**
 * One stream entry as pushed to subscribers. The frame is serialized once per
 * entry, however many sockets receive it: the same JSON is the WebSocket event
 * frame and the SSE `data` line.
 */
import type { Message } from '@streamerson/core';

/** The event frame: `{op:'event', topic, id, type, payload}` (`payloadBase64` for binary payloads). */
export interface EventFrame {
  readonly op: 'event';
  readonly topic: string;
  /** The stream entry id. */
  readonly id: string;
  readonly type: string;
  readonly payload?: unknown;
  readonly payloadBase64?: string;
}

export class HubEvent {
  private frameBytes: Buffer | undefined;
  private sseChunk: string | undefined;

  constructor(
    readonly topic: string,
    readonly id: string,
    private readonly message: Message,
  ) {}

  /** The WebSocket text frame, as bytes so that each socket sends the same buffer. */
  get frame(): Buffer {
    this.frameBytes ??= Buffer.from(JSON.stringify(this.toFrame()));
    return this.frameBytes;
  }

  /** The SSE chunk: `id:` the entry id and `data:` the event frame. */
  get sse(): string {
    this.sseChunk ??= `id: ${this.id}\ndata: ${this.frame.toString()}\n\n`;
    return this.sseChunk;
  }

  private toFrame(): EventFrame {
    const { type, payload } = this.message;
    if (payload instanceof Uint8Array) {
      return { op: 'event', topic: this.topic, id: this.id, type, payloadBase64: Buffer.from(payload).toString('base64') };
    }
    return { op: 'event', topic: this.topic, id: this.id, type, payload };
  }
}
