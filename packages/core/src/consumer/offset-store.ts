import type { Engine } from '../engine/types.js';
import { auxKey } from '../keys.js';

/** Where a `from` consumer keeps the last id it processed, per stream. */
export interface OffsetStore {
  /** The last processed id of `stream`, or null when none is stored. */
  load(stream: string): Promise<string | null>;
  save(stream: string, id: string): Promise<void>;
}

const OFFSET_FIELD = 'id';

/**
 * Offsets kept in the engine itself: the offset of `stream` is the single entry
 * (`id` field) of the stream `auxKey(stream, 'offset:' + name)`, trimmed to
 * exactly one entry on every save. It works on every engine, and on a Redis
 * Cluster it lives in the stream's slot.
 */
export class EngineOffsetStore implements OffsetStore {
  constructor(
    private readonly engine: Engine,
    private readonly name: string,
  ) {}

  /** The key that holds the offset of `stream`. */
  keyOf(stream: string): string {
    return auxKey(stream, `offset:${this.name}`);
  }

  async load(stream: string): Promise<string | null> {
    const [last] = await this.engine.revRange(this.keyOf(stream), '+', '-', 1);
    if (!last) return null;
    const at = last.fields.findIndex((f, i) => i % 2 === 0 && f.toString() === OFFSET_FIELD);
    const value = at === -1 ? undefined : last.fields[at + 1];
    return value === undefined ? null : value.toString();
  }

  async save(stream: string, id: string): Promise<void> {
    await this.engine.append(this.keyOf(stream), [OFFSET_FIELD, id], { retention: { maxLen: 1, approximate: false } });
  }
}
