/**
 * Command ids the writer applied recently, with what each made: a command
 * retried with the same id within the window (or among the last `max`) is
 * answered with its first result instead of being applied again. Rebuilt on
 * takeover from the changelog, which records every command id.
 */
import { streamIdTime } from '@streamerson/core';
import type { Change } from '../codec.js';

/** What an applied command made: its key, the version and state after it. */
export interface Applied<S = unknown> {
  readonly key: string;
  readonly version: number;
  readonly state: S;
  /** Unix ms the change was stored (the changelog entry's time). */
  readonly at: number;
}

export class AppliedCommands<S> {
  private readonly byId = new Map<string, Applied<S>>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(commandId: string, now: number): Applied<S> | undefined {
    const applied = this.byId.get(commandId);
    return applied === undefined || applied.at < now - this.windowMs ? undefined : applied;
  }

  add(commandId: string, applied: Applied<S>): void {
    this.byId.delete(commandId);
    this.byId.set(commandId, applied);
    this.sweep(applied.at);
  }

  /** Records a change read back from the changelog. */
  addChange(change: Change): void {
    this.add(change.commandId, { key: change.key, version: change.version, state: change.state as S, at: streamIdTime(change.id) });
  }

  /** Drops the oldest records past `max` or older than the window (insertion order is time order). */
  private sweep(now: number): void {
    for (const [id, applied] of this.byId) {
      if (this.byId.size <= this.max && applied.at >= now - this.windowMs) break;
      this.byId.delete(id);
    }
  }

  clear(): void {
    this.byId.clear();
  }
}
