/**
 * The controller log: one entry per batch an instance stored, in the input
 * shard's slot (`{<input stream>}:proc:<name>:log`), written in the batch's
 * fenced write. Fields:
 *
 * | field | holds |
 * |---|---|
 * | `s` | the input stream |
 * | `f`, `l` | the first and last input entry ids of the batch |
 * | `n` | how many input entries |
 * | `i` | the input entry ids, JSON, in the order they were processed |
 * | `t` | the clock handed to `ctx.now()` |
 * | `r` | the seed of `ctx.random()` and `ctx.uuid()` |
 * | `w` | the fencing epoch of the instance that stored it |
 * | `o` | outputs, JSON `[[input position, output stream, digest], …]`, in order; the n-th output of an input has the message id `<processor>/<input stream>/<input id>/<n>` |
 * | `d` | dead-lettered inputs, JSON `[[input position, error code], …]` |
 */
import type { FieldValue, RawEntry } from '@streamerson/core';
import { outputMessageId, type BatchOutcome } from './batch.js';

/** One output as the log records it. */
export interface LoggedOutput {
  /** The input entry that emitted it. */
  readonly inputId: string;
  readonly messageId: string;
  readonly stream: string;
  readonly digest: string;
}

/** One batch as the log records it. */
export interface LogEntry {
  /** The log entry's id. */
  readonly id: string;
  readonly stream: string;
  readonly first: string;
  readonly last: string;
  readonly count: number;
  /** The input entry ids, in the order they were processed. */
  readonly inputIds: readonly string[];
  readonly now: number;
  readonly seed: number;
  readonly epoch: number;
  readonly outputs: readonly LoggedOutput[];
  readonly deadLettered: readonly { readonly inputId: string; readonly code: string }[];
}

/** The fields of the log entry of a batch of `ids` (in order). */
export function encodeLogEntry(stream: string, ids: readonly string[], now: number, seed: number, epoch: number, outcome: BatchOutcome<unknown>): FieldValue[] {
  const fields: FieldValue[] = ['s', stream, 'f', ids[0]!, 'l', ids[ids.length - 1]!, 'n', String(ids.length), 'i', JSON.stringify(ids)];
  fields.push('t', String(now), 'r', String(seed), 'w', String(epoch));
  fields.push('o', JSON.stringify(outcome.outputs.map((o) => [o.input, o.stream, o.digest])));
  fields.push('d', JSON.stringify(outcome.failures.map((f) => [f.input, f.code])));
  return fields;
}

/** A log entry read back; undefined when the entry is not one. */
export function decodeLogEntry(processor: string, entry: RawEntry): LogEntry | undefined {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < entry.fields.length; i += 2) f.set(entry.fields[i]!.toString('utf8'), entry.fields[i + 1]!.toString('utf8'));
  const stream = f.get('s');
  const now = Number(f.get('t'));
  const seed = Number(f.get('r'));
  if (stream === undefined || !Number.isFinite(now) || !Number.isInteger(seed)) return undefined;
  try {
    const inputIds = JSON.parse(f.get('i') ?? 'null') as unknown;
    if (!Array.isArray(inputIds) || inputIds.length === 0 || !inputIds.every((x) => typeof x === 'string')) return undefined;
    const ids = inputIds as string[];
    const counters = new Map<number, number>();
    const outputs = (JSON.parse(f.get('o') ?? '[]') as [number, string, string][]).map(([position, out, digest]) => {
      const n = counters.get(position) ?? 0;
      counters.set(position, n + 1);
      const inputId = ids[position] ?? '';
      return { inputId, messageId: outputMessageId(processor, stream, inputId, n), stream: out, digest };
    });
    const dead = (JSON.parse(f.get('d') ?? '[]') as [number, string][]).map(([position, code]) => ({ inputId: ids[position] ?? '', code }));
    return {
      id: entry.id,
      stream,
      first: ids[0]!,
      last: ids[ids.length - 1]!,
      count: ids.length,
      inputIds: ids,
      now,
      seed,
      epoch: Number(f.get('w') ?? 0),
      outputs,
      deadLettered: dead,
    };
  } catch {
    return undefined;
  }
}
