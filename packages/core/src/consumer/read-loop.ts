import type { BlockingReader, Engine, RawEntry, StreamEntries } from '../engine/types.js';
import type { DeliveredMessage } from './delivered-message.js';
import type { ConsumerConfig } from './consumer-options.js';
import type { CreditBuffer } from './credit-buffer.js';

/** Read position of one stream. */
export interface ReadTarget {
  readonly stream: string;
  /** Plain modes: read after this id. Group mode: `>`. */
  after: string;
  /** Group mode: next id of this consumer's own pending entries to re-read, or null once they are all re-read. */
  pendingAfter: string | null;
}

/** What a read loop needs from its consumer. */
export interface ReadLoopHost {
  readonly engine: Engine;
  readonly config: ConsumerConfig;
  readonly buffer: CreditBuffer<DeliveredMessage>;
  /** Decodes entries; bad entries are reported and left out. */
  decode(stream: string, entries: readonly RawEntry[], redelivered: boolean): DeliveredMessage[];
  /** Decides what a failed read means: resolves true to try again (after any backoff), false to stop. */
  recover(error: unknown, attempt: number, targets: ReadTarget[]): Promise<boolean>;
}

function entriesOf(result: readonly StreamEntries[], stream: string): readonly RawEntry[] {
  return result.find((r) => r.stream === stream)?.entries ?? [];
}

/**
 * Reads `targets` on its own reader until the buffer stops taking reservations.
 * Group consumers first re-read their own pending entries (non-blocking, id
 * `0` then after the last one seen), then block on new ones (`>`).
 */
export async function runReadLoop(host: ReadLoopHost, reader: BlockingReader, targets: ReadTarget[]): Promise<void> {
  const { engine, config, buffer } = host;
  let attempt = 0;
  for (;;) {
    const count = await buffer.reserve(targets.length);
    if (count === 0) return;
    const reserved = count * targets.length;
    let items: DeliveredMessage[] = [];
    try {
      items = await readOnce(host, engine, reader, config, targets, count);
      attempt = 0;
    } catch (error) {
      buffer.release(reserved, []);
      if (!(await host.recover(error, ++attempt, targets))) return;
      continue;
    }
    buffer.release(reserved, items);
  }
}

async function readOnce(
  host: ReadLoopHost,
  engine: Engine,
  reader: BlockingReader,
  config: ConsumerConfig,
  targets: ReadTarget[],
  count: number,
): Promise<DeliveredMessage[]> {
  const items: DeliveredMessage[] = [];
  if (config.mode !== 'group') {
    const result = await reader.read(
      targets.map((t) => ({ stream: t.stream, after: t.after })),
      { count, blockMs: config.blockMs },
    );
    for (const t of targets) {
      const entries = entriesOf(result, t.stream);
      const last = entries[entries.length - 1];
      if (last) t.after = last.id;
      items.push(...host.decode(t.stream, entries, false));
    }
    return items;
  }
  const pending = targets.filter((t) => t.pendingAfter !== null);
  if (pending.length > 0) {
    const result = await engine.readGroup(
      config.group,
      config.consumer,
      pending.map((t) => ({ stream: t.stream, after: t.pendingAfter as string })),
      { count },
    );
    for (const t of pending) {
      const entries = entriesOf(result, t.stream);
      const last = entries[entries.length - 1];
      t.pendingAfter = last ? last.id : null;
      // A pending entry deleted from the stream comes back without fields: nothing to process, so it is acked.
      const gone = entries.filter((e) => e.fields.length === 0).map((e) => e.id);
      if (gone.length > 0) await engine.ack(t.stream, config.group, gone);
      items.push(
        ...host.decode(
          t.stream,
          entries.filter((e) => e.fields.length > 0),
          true,
        ),
      );
    }
    return items;
  }
  const result = await reader.readGroup(
    config.group,
    config.consumer,
    targets.map((t) => ({ stream: t.stream, after: '>' })),
    { count, blockMs: config.blockMs },
  );
  for (const t of targets) items.push(...host.decode(t.stream, entriesOf(result, t.stream), false));
  return items;
}
