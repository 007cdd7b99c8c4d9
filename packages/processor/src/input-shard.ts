/**
 * One input shard of a processor while this instance holds its lease: reads
 * batches of the shard's stream as the processor's group, runs them through
 * the handlers ({@link runBatch}) with a fresh clock and seed, and stores each
 * batch in one fenced write — the controller log entry, the input's acks and
 * the changed states, with the outputs and dead letters as follow-ups (inside
 * the same atomic step where the engine can; on a Redis Cluster they are
 * appended first, idempotently, under their deterministic message ids).
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppendItem, Engine, Fencing, HashWrite, RawEntry } from '@streamerson/core';
import { Backoff } from '@streamerson/core/internal';
import { deadLetterStream } from '@streamerson/service';
import { deadLetterFields } from '@streamerson/service/internal';
import { ShardLoop } from './runtime/shard-loop.js';
import { runBatch, type BatchOutcome, type PlannedFailure } from './batch.js';
import type { ProcessorSpec } from './definition.js';
import { encodeLogEntry } from './log.js';
import type { InputKeys } from './names.js';
import type { ProcessorConfig } from './options.js';

/** Counters of one input shard. */
export interface InputCounts {
  processed: number;
  outputs: number;
  deadLettered: number;
  batches: number;
}

/** What an input shard reports to its processor. */
export interface InputHooks {
  lost(error: Error): void;
  error(error: Error): void;
  deadLettered(stream: string, entryId: string, error: Error): void;
}

export class InputShard<S> extends ShardLoop {
  readonly counts: InputCounts = { processed: 0, outputs: 0, deadLettered: 0, batches: 0 };
  /** States of recently used keys, as stored (least recently used first). */
  private readonly states = new Map<string, S>();
  private readonly attempts = new Backoff({ minMs: 10, maxMs: 1_000 });

  constructor(
    engine: Engine & Fencing,
    private readonly spec: ProcessorSpec<S>,
    readonly keys: InputKeys,
    epoch: number,
    private readonly config: ProcessorConfig,
    private readonly inputHooks: InputHooks,
  ) {
    super(engine, keys.index, epoch, keys.lease, keys.stream, spec.name, config, { lost: inputHooks.lost, error: inputHooks.error }, true);
  }

  /** Keys whose state is in memory. */
  get cachedKeys(): number {
    return this.states.size;
  }

  protected async recover(): Promise<void> {
    this.states.clear();
  }

  /** After a write whose outcome is unknown: states are read again from the hash. */
  protected override async catchUp(): Promise<void> {
    this.states.clear();
  }

  protected async process(entries: readonly RawEntry[]): Promise<void> {
    const before = await this.loadStates(entries);
    const now = Date.now();
    const seed = randomInt(0, 2 ** 31);
    const outcome = await runBatch(this.spec, {
      stream: this.keys.stream,
      entries,
      now,
      seed,
      lookup: (key) => (before.has(key) ? before.get(key)! : this.spec.initial!(key)),
      maxAttempts: this.config.maxAttempts,
      pause: (attempt) => sleep(this.attempts.delay(attempt)),
    });
    const ids = entries.map((e) => e.id);
    const log: AppendItem = {
      stream: this.keys.log,
      fields: encodeLogEntry(this.keys.stream, ids, now, seed, this.epoch, outcome as BatchOutcome<unknown>),
      retention: { maxLen: this.config.logMaxLen, approximate: true },
    };
    const outputs = this.outputAppends(outcome);
    const letters = outcome.failures.map((f) => this.deadLetter(f));
    const hashes = this.stateWrites(outcome);
    const acks = [{ stream: this.keys.stream, group: this.spec.name, ids }];
    if (this.engine.followUpsAtomic) {
      const result = await this.write({ appends: [log], acks, hashes, followUps: [...outputs, ...letters] });
      if (result.followUpError !== undefined) this.inputHooks.error(result.followUpError);
    } else {
      // Outputs in other slots first, each at most once by its message id; then the batch's own fenced write.
      await Promise.all([
        ...outputs.map((o, i) => this.engine.appendIdempotent(o.stream, o.fields, outcome.outputs[i]!.messageId, this.config.outputDedupeWindowMs, o)),
        ...letters.map((l, i) =>
          this.engine.appendIdempotent(
            l.stream,
            l.fields,
            `${this.spec.name}/dlq/${this.keys.stream}/${outcome.failures[i]!.entry.id}`,
            this.config.outputDedupeWindowMs,
            l,
          ),
        ),
      ]);
      await this.write({ appends: [log], acks, hashes });
    }
    for (const [key, s] of outcome.states) {
      if (s.json === null) this.states.delete(key);
      else this.remember(key, s.value);
    }
    this.counts.batches++;
    this.counts.processed += entries.length;
    this.counts.outputs += outcome.outputs.length;
    this.counts.deadLettered += outcome.failures.length;
    for (const f of outcome.failures) this.inputHooks.deadLettered(this.keys.stream, f.entry.id, f.error);
  }

  /** The batch's state changes: keys set, keys deleted. */
  private stateWrites(outcome: BatchOutcome<S>): HashWrite[] {
    if (outcome.states.size === 0) return [];
    const set: [string, string][] = [];
    const gone: string[] = [];
    for (const [key, s] of outcome.states) {
      if (s.json === null) gone.push(key);
      else set.push([key, s.json]);
    }
    return [{ key: this.keys.state, ...(set.length > 0 ? { set } : {}), ...(gone.length > 0 ? { delete: gone } : {}) }];
  }

  private outputAppends(outcome: BatchOutcome<S>): AppendItem[] {
    const retention = this.config.outputMaxLen > 0 ? { maxLen: this.config.outputMaxLen, approximate: true } : undefined;
    return outcome.outputs.map((o) => (retention === undefined ? { stream: o.stream, fields: o.fields } : { stream: o.stream, fields: o.fields, retention }));
  }

  private deadLetter(f: PlannedFailure): AppendItem {
    const at = Date.now();
    const fields = deadLetterFields(f.entry, {
      stream: this.keys.stream,
      entryId: f.entry.id,
      errorCode: f.code,
      errorMessage: f.error.message.split('\n')[0]!.slice(0, 500),
      deliveries: f.attempts,
      service: this.spec.name,
      group: this.spec.name,
      consumer: this.config.id,
      failedAt: at,
      firstFailedAt: at,
    });
    const stream = deadLetterStream(this.keys.topic);
    return this.config.deadLetterMaxLen > 0 ? { stream, fields, retention: { maxLen: this.config.deadLetterMaxLen, approximate: true } } : { stream, fields };
  }

  /** The states of the batch's keys: from memory, else from the state hash (one round trip); a key in neither is new. */
  private async loadStates(entries: readonly RawEntry[]): Promise<Map<string, S>> {
    const found = new Map<string, S>();
    if (this.spec.initial === undefined) return found;
    const asked = new Set<string>();
    for (const e of entries) {
      const key = keyOf(e);
      if (key === undefined || found.has(key)) continue;
      const known = this.states.get(key);
      if (known !== undefined) found.set(key, known);
      else asked.add(key);
    }
    if (asked.size === 0) return found;
    const missing = [...asked];
    const values = await this.engine.hashGet(this.keys.state, missing);
    missing.forEach((key, i) => {
      const bytes = values[i];
      if (bytes == null) return;
      try {
        found.set(key, JSON.parse(bytes.toString('utf8')) as S);
      } catch (error) {
        this.inputHooks.error(
          new Error(`the state of key "${key}" in "${this.keys.state}" is not JSON; it starts again from its initial state`, { cause: error }),
        );
      }
    });
    return found;
  }

  private remember(key: string, state: S): void {
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size > this.config.maxKeys) this.states.delete(this.states.keys().next().value!);
  }
}

/** The `key` header of an entry, without decoding the whole message. */
function keyOf(entry: RawEntry): string | undefined {
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    if (entry.fields[i]!.length === 1 && entry.fields[i]![0] === 0x68 /* h */) {
      try {
        const headers = JSON.parse(entry.fields[i + 1]!.toString('utf8')) as Record<string, unknown>;
        const key = headers['key'];
        return typeof key === 'string' && key !== '' ? key : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
