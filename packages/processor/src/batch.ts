/**
 * One batch of input entries run through the handlers, without touching the
 * engine: the outputs (encoded, with their deterministic message ids and
 * digests), the dead letters, the state changes. The live processor and
 * replay both run batches through this one function, with the clock and seed
 * the controller log records.
 */
import * as crypto from 'node:crypto';
import { decodeEntry, ProtocolError, StreamersonError, encodeMessage, type FieldValue, type Message, type RawEntry } from '@streamerson/core';
import type { ProcessorSpec } from './definition.js';
import { MessageContext } from './context.js';

/** An output of the batch, ready to append. */
export interface PlannedOutput {
  readonly stream: string;
  /** `<processor>/<input stream>/<input entry id>/<n>`: the same however often the input is processed. */
  readonly messageId: string;
  /** Position in the batch of the input that emitted it. */
  readonly input: number;
  readonly fields: FieldValue[];
  /** SHA-1 of the encoded message, 12 hex digits: what replay compares. */
  readonly digest: string;
}

/** An input the handlers could not process. */
export interface PlannedFailure {
  readonly input: number;
  readonly entry: RawEntry;
  readonly code: string;
  readonly error: Error;
  readonly attempts: number;
}

/** A batch run through the handlers. */
export interface BatchOutcome<S> {
  readonly outputs: PlannedOutput[];
  readonly failures: PlannedFailure[];
  /** State of each key the batch changed: its last value, and that as JSON (what is stored; null: the state is deleted). */
  readonly states: Map<string, { readonly value: S; readonly json: string | null }>;
}

/** What a batch runs with. */
export interface BatchInput<S> {
  readonly stream: string;
  readonly entries: readonly RawEntry[];
  /** The batch's clock and seed (recorded in the log). */
  readonly now: number;
  readonly seed: number;
  /** A key's state before the batch. */
  readonly lookup: (key: string) => S;
  /** Attempts of a handler that throws, in place, before the entry is dead-lettered. */
  readonly maxAttempts: number;
  /** Waits between attempts (live: the backoff schedule; replay: none). */
  readonly pause?: (attempt: number) => Promise<void>;
}

/** The message id of the `n`-th output of an input entry. */
export function outputMessageId(processor: string, stream: string, entryId: string, n: number): string {
  return `${processor}/${stream}/${entryId}/${n}`;
}

/** One-shot hashing where Node has it (20.12+): several times cheaper than a Hash object per output. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The first 12 hex digits of the SHA-1 of the fields, each a string (a Buffer
 * read as latin1, one character per byte: no copy into a new Buffer)
 * followed by a NUL.
 */
export function digestOf(fields: readonly FieldValue[]): string {
  let text = '';
  for (const f of fields) text += `${typeof f === 'string' ? f : f.toString('latin1')}\0`;
  return (oneShot === undefined ? crypto.createHash('sha1').update(text).digest('hex') : oneShot('sha1', text, 'hex')).slice(0, 12);
}

/** Runs the handlers over a batch, in order. Never throws: every entry ends as outputs, nothing, or a failure. */
export async function runBatch<S>(spec: ProcessorSpec<S>, input: BatchInput<S>): Promise<BatchOutcome<S>> {
  const outcome: BatchOutcome<S> = { outputs: [], failures: [], states: new Map() };
  const lookup = (key: string): S => {
    const changed = outcome.states.get(key);
    return changed === undefined ? input.lookup(key) : changed.value;
  };
  for (let i = 0; i < input.entries.length; i++) {
    const entry = input.entries[i]!;
    const fail = (code: string, error: Error, attempts = 1): void => void outcome.failures.push({ input: i, entry, code, error, attempts });
    if (entry.fields.length === 0) continue;
    const msg = decodeEntry(input.stream, entry);
    if (msg instanceof ProtocolError) {
      fail(msg.code, msg);
      continue;
    }
    const handler = spec.handlers.get(msg.type);
    if (handler === undefined) {
      fail(
        'ERR_STREAMERSON_UNKNOWN_TYPE',
        new StreamersonError('ERR_STREAMERSON_UNKNOWN_TYPE', `processor "${spec.name}" has no handler for type "${msg.type}"`),
      );
      continue;
    }
    const problems = handler.check?.(msg.payload);
    if (problems !== undefined) {
      const where = problems
        .slice(0, 3)
        .map((p) => `${p.path || '/'} ${p.message}`)
        .join('; ');
      fail(
        'ERR_STREAMERSON_INVALID_PAYLOAD',
        new StreamersonError('ERR_STREAMERSON_INVALID_PAYLOAD', `the payload of "${msg.type}" fails its schema: ${where}`),
      );
      continue;
    }
    for (let attempt = 1; ; attempt++) {
      const ctx = new MessageContext(spec, msg, input.now, input.seed, i, lookup);
      try {
        const done = handler.handle(msg as Message, ctx);
        if (done !== undefined && typeof (done as Promise<void>).then === 'function') await done;
        const encoded = ctx.emitted.map((e, n) => {
          const messageId = outputMessageId(spec.name, input.stream, entry.id, n);
          const fields = encodeMessage({ id: messageId, type: e.type, headers: e.headers, source: spec.name, payload: e.payload });
          return { stream: e.stream, messageId, input: i, fields, digest: digestOf(fields) };
        });
        if (ctx.deleted) {
          outcome.states.set(ctx.key!, { value: ctx.state, json: null });
        } else if (ctx.changed) {
          const json = JSON.stringify(ctx.state);
          if (json === undefined) throw new TypeError('the state of a key must be a JSON value');
          outcome.states.set(ctx.key!, { value: JSON.parse(json) as S, json });
        }
        outcome.outputs.push(...encoded);
        break;
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        if (attempt >= input.maxAttempts) {
          fail(err instanceof StreamersonError ? err.code : 'ERR_STREAMERSON_SERVICE', err, attempt);
          break;
        }
        await input.pause?.(attempt);
      }
    }
  }
  return outcome;
}
