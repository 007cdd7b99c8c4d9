/**
 * Length caps of route topics. The lengths are measured in the background
 * (one `length` per capped topic per interval), so that a request only reads a
 * flag: the cap costs no round trip on the request path.
 */
import type { Engine } from '@streamerson/core';

/** Whether a topic is over its cap now. */
export interface CapState {
  readonly over: boolean;
}

const NEVER_OVER: CapState = Object.freeze({ over: false });

export class TopicCaps {
  private readonly watched = new Map<string, { over: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly maxLength: number | undefined,
    private readonly intervalMs: number,
  ) {}

  /** The state of a topic, kept up to date while the caps run. */
  watch(topic: string): CapState {
    if (this.maxLength === undefined) return NEVER_OVER;
    let state = this.watched.get(topic);
    if (state === undefined) {
      state = { over: false };
      this.watched.set(topic, state);
    }
    return state;
  }

  /** Measures now, then every interval. */
  async start(): Promise<void> {
    if (this.maxLength === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.check(), this.intervalMs).unref();
    await this.check();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One measurement of every capped topic; an engine error leaves the last state. */
  check(): Promise<void> {
    this.checking ??= (async () => {
      const max = this.maxLength ?? Infinity;
      await Promise.all(
        [...this.watched].map(async ([topic, state]) => {
          try {
            state.over = (await this.engine.length(topic)) > max;
          } catch {
            // An unreachable engine shows up on the request itself (503); keep the last state.
          }
        }),
      );
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }
}
