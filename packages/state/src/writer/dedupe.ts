/**
 * Command ids the writer applied recently, with what each made: a command
 * retried with the same id within the window (or among the last `max`) is
 * answered with its first result instead of being applied again. Rebuilt on
 * takeover from the changelog, which records every command id.
 *
 * The records are a ring of parallel arrays in the order they were added
 * (which is time order), with a map from command id to slot: adding one and
 * dropping the oldest are O(1) and allocate nothing per command.
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
  /** Command id → its slot in the ring. */
  private readonly slots = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  private readonly keys: string[] = [];
  private readonly versions: number[] = [];
  private readonly states: S[] = [];
  private readonly times: number[] = [];
  /** The slot of the oldest record, and how many slots are in use from it. */
  private head = 0;
  private used = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  get(commandId: string, now: number): Applied<S> | undefined {
    const slot = this.slots.get(commandId);
    if (slot === undefined || this.times[slot]! < now - this.windowMs) return undefined;
    return { key: this.keys[slot]!, version: this.versions[slot]!, state: this.states[slot]!, at: this.times[slot]! };
  }

  add(commandId: string, key: string, version: number, state: S, at: number): void {
    const earlier = this.slots.get(commandId);
    if (earlier !== undefined) this.ids[earlier] = undefined;
    if (this.used === this.max) this.dropOldest();
    const slot = (this.head + this.used) % this.max;
    this.ids[slot] = commandId;
    this.keys[slot] = key;
    this.versions[slot] = version;
    this.states[slot] = state;
    this.times[slot] = at;
    this.used++;
    this.slots.set(commandId, slot);
    while (this.used > 0 && this.times[this.head]! < at - this.windowMs) this.dropOldest();
  }

  /** Records a change read back from the changelog. */
  addChange(change: Change): void {
    this.add(change.commandId, change.key, change.version, change.state as S, streamIdTime(change.id));
  }

  private dropOldest(): void {
    const id = this.ids[this.head];
    if (id !== undefined) this.slots.delete(id);
    this.ids[this.head] = undefined;
    this.states[this.head] = undefined as S;
    this.head = (this.head + 1) % this.max;
    this.used--;
  }
}
