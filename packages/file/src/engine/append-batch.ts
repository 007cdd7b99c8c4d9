import { type AppendItem, type StreamAcks, StreamersonError } from '@streamerson/core';
import { listOption, nameOption } from '@streamerson/core/internal';
import { ackEntries } from './group-ops.js';
import type { FileStore } from './store.js';
import { appendEntries } from './stream-ops.js';

/** What the appends of a batch did: ids in order (null where refused) and the first refusal. */
export interface BatchResult {
  readonly ids: (string | null)[];
  readonly failed: boolean;
  readonly failure: unknown;
}

/**
 * The appends of a batch inside a transaction, each run like a pipelined
 * command: a refused item (bad stream name, bad id, bad fields) is skipped and
 * the others still commit; a failure of SQLite itself rolls the whole batch
 * back. Consecutive items of one stream are appended together
 * (`appendEntries`: the stream's row read and written once).
 */
export function appendEach(store: FileStore, items: readonly AppendItem[]): BatchResult {
  const ids: (string | null)[] = [];
  let failure: unknown;
  let failed = false;
  const refuse = (error: StreamersonError): void => {
    if (!failed) failure = error;
    failed = true;
    ids.push(null);
  };
  for (let i = 0; i < items.length; ) {
    const item = items[i]!;
    let stream: string;
    try {
      stream = nameOption(item.stream, 'stream');
    } catch (error) {
      if (!(error instanceof StreamersonError)) throw error;
      refuse(error);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < items.length && items[end]!.stream === stream) end++;
    const run = items.slice(i, end).map((it) => ({ fields: it.fields, options: it }));
    for (const result of appendEntries(store, stream, run)) {
      if (result instanceof StreamersonError) refuse(result);
      else ids.push(result);
    }
    i = end;
  }
  return { ids, failed, failure };
}

/** `appendAndAck` inside a transaction: the appends, then the acks unless an append was refused. */
export function appendAndAckEntries(store: FileStore, items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): BatchResult {
  const appended = appendEach(store, items);
  if (!appended.failed) for (const a of acks) ackEntries(store, a.stream, group, listOption(a.ids, 'ids'));
  return appended;
}
