/**
 * Replay: re-runs a processor's handlers over the inputs its controller log
 * recorded, batch by batch, with the recorded clock and seed, and compares the
 * outputs (message ids, streams, digests) and dead letters with the recorded
 * ones. It only reads the engine it replays from; outputs go to `into` (a
 * `memory://` engine, say) when given, else nowhere. The first difference is
 * reported with the input that caused it.
 */
import { decodeEntry, ProtocolError, StreamersonError, streamIdTime, type Engine, type Message, type RawEntry } from '@streamerson/core';
import { runBatch, type PlannedOutput } from './batch.js';
import type { ProcessorSpec } from './definition.js';
import { decodeLogEntry, type LogEntry, type LoggedOutput } from './log.js';
import { allInputKeys } from './names.js';
import { DEFAULT_MAX_ATTEMPTS } from './options.js';

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** Compare only inputs with ids from this one (inclusive); earlier batches still run, to build the state. */
  readonly from?: string;
  /** Stop after the batch that holds this input id. */
  readonly to?: string;
  /** Input shards to replay (positions among the input streams); default all. */
  readonly shards?: readonly number[];
  /** Report the state of these keys after the replay (after `to`). */
  readonly stateOf?: readonly string[];
  /** Where the outputs are appended (never the engine replayed from); default nowhere. */
  readonly into?: Engine;
  /** As the processor ran with; default {@link DEFAULT_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number;
}

/** An output as replay made it. */
export interface ReplayedOutput {
  readonly messageId: string;
  readonly stream: string;
  readonly digest: string;
  readonly message: Message;
}

/** The first difference between the record and the replay. */
export interface Divergence {
  readonly stream: string;
  /** The first input whose outcome differs. */
  readonly inputId: string;
  /** The log entry of its batch. */
  readonly logEntry: string;
  readonly reason: 'output differs' | 'output missing' | 'extra output' | 'dead letter differs' | 'input gone';
  /** The output as recorded, and the message itself when it is still in its stream. */
  readonly expected?: LoggedOutput & { readonly message?: Message };
  readonly actual?: ReplayedOutput;
  /** Dead-letter codes of the input: recorded, replayed. */
  readonly deadLetter?: { readonly expected: string | null; readonly actual: string | null };
}

/** What a replay did and found. */
export interface ReplayReport {
  readonly batches: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly deadLettered: number;
  /** Log entries that could not be read (skipped). */
  readonly badLogEntries: number;
  /** The first difference; undefined when the replay reproduced the record. */
  readonly divergence: Divergence | undefined;
  /** States asked for with `stateOf`: key → state (undefined for a key no message changed). */
  readonly states: Readonly<Record<string, unknown>>;
  readonly durationMs: number;
}

const LOG_PAGE = 500;

/** Replays `spec` from the controller log in `engine`. See the module comment. */
export async function replay<S>(engine: Engine, spec: ProcessorSpec<S>, options: ReplayOptions = {}): Promise<ReplayReport> {
  if (options.into === engine)
    throw new StreamersonError('ERR_STREAMERSON_INVALID_OPTION', 'invalid option "into": replay never writes to the engine it replays from');
  const started = performance.now();
  const inputs = allInputKeys(spec);
  const shards = options.shards ?? inputs.map((_, i) => i);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const states = new Map<string, S>();
  const counts = { batches: 0, inputs: 0, outputs: 0, deadLettered: 0, badLogEntries: 0 };
  let divergence: Divergence | undefined;
  for (const shard of shards) {
    const keys = inputs[shard];
    if (keys === undefined)
      throw new StreamersonError('ERR_STREAMERSON_INVALID_OPTION', `invalid option "shards": ${spec.name} has input shards 0-${inputs.length - 1}`);
    let start = '-';
    let done = false;
    while (!done && divergence === undefined) {
      const page = await engine.range(keys.log, start, '+', LOG_PAGE);
      for (const raw of page) {
        const log = decodeLogEntry(spec.name, raw);
        if (log === undefined) {
          counts.badLogEntries++;
          continue;
        }
        const entries = await readInputs(engine, log);
        const outcome = await runBatch(spec, {
          stream: log.stream,
          entries,
          now: log.now,
          seed: log.seed,
          lookup: (key) => (states.has(key) ? states.get(key)! : spec.initial!(key)),
          maxAttempts,
        });
        for (const [key, s] of outcome.states) states.set(key, s.value);
        counts.batches++;
        counts.inputs += entries.length;
        counts.outputs += outcome.outputs.length;
        counts.deadLettered += outcome.failures.length;
        if (options.into !== undefined && outcome.outputs.length > 0)
          await options.into.appendBatch(outcome.outputs.map((o) => ({ stream: o.stream, fields: o.fields })));
        const compareFrom = options.from === undefined ? 0 : entries.findIndex((e) => compareIds(e.id, options.from!) >= 0);
        if (compareFrom >= 0)
          divergence = await compare(
            engine,
            log,
            entries,
            outcome.outputs,
            outcome.failures.map((f) => [f.input, f.code] as const),
            compareFrom,
          );
        if (divergence !== undefined || (options.to !== undefined && compareIds(log.last, options.to) >= 0)) {
          done = true;
          break;
        }
      }
      if (page.length < LOG_PAGE) done = true;
      else start = `(${page[page.length - 1]!.id}`;
    }
    if (divergence !== undefined) break;
  }
  const asked: Record<string, unknown> = {};
  for (const key of options.stateOf ?? []) asked[key] = states.get(key);
  return { ...counts, divergence, states: asked, durationMs: Math.round(performance.now() - started) };
}

/** Orders entry ids (`<ms>-<seq>`, or `<ms>` for `to`/`from`) without parsing them into numbers. */
function compareIds(a: string, b: string): number {
  const ai = a.indexOf('-');
  const bi = b.indexOf('-');
  const am = ai < 0 ? a : a.slice(0, ai);
  const bm = bi < 0 ? b : b.slice(0, bi);
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  const as = ai < 0 ? 0 : Number(a.slice(ai + 1));
  const bs = bi < 0 ? 0 : Number(b.slice(bi + 1));
  return as - bs;
}

/** The batch's input entries, in the order they were processed; an entry that is gone is `{ fields: [] }`. */
async function readInputs(engine: Engine, log: LogEntry): Promise<RawEntry[]> {
  const found = new Map<string, RawEntry>();
  const wanted = new Set(log.inputIds);
  let start = log.inputIds[0]!;
  let end = start;
  for (const id of log.inputIds) {
    if (compareIds(id, start) < 0) start = id;
    if (compareIds(id, end) > 0) end = id;
  }
  const count = Math.max(100, log.count);
  for (;;) {
    const page = await engine.range(log.stream, start, end, count);
    for (const e of page) if (wanted.has(e.id)) found.set(e.id, e);
    if (page.length < count || found.size === wanted.size) break;
    start = `(${page[page.length - 1]!.id}`;
  }
  return log.inputIds.map((id) => found.get(id) ?? { id, fields: [] });
}

async function compare(
  engine: Engine,
  log: LogEntry,
  entries: readonly RawEntry[],
  outputs: readonly PlannedOutput[],
  failures: readonly (readonly [number, string])[],
  from: number,
): Promise<Divergence | undefined> {
  const base = { stream: log.stream, logEntry: log.id };
  const recordedDead = new Map(log.deadLettered.map((d) => [d.inputId, d.code]));
  const recorded = new Map<string, LoggedOutput[]>();
  for (const o of log.outputs) {
    const list = recorded.get(o.inputId);
    if (list === undefined) recorded.set(o.inputId, [o]);
    else list.push(o);
  }
  const replayed: PlannedOutput[][] = entries.map(() => []);
  for (const o of outputs) replayed[o.input]!.push(o);
  const replayedDead = new Map(failures.map(([i, code]) => [entries[i]!.id, code]));
  const actualOf = (o: PlannedOutput): ReplayedOutput => ({
    messageId: o.messageId,
    stream: o.stream,
    digest: o.digest,
    message: decodeEntry(o.stream, { id: '0-0', fields: o.fields.map((f) => Buffer.from(f)) }) as Message,
  });
  const expectedOf = async (o: LoggedOutput): Promise<LoggedOutput & { message?: Message }> => {
    const message = await findRecorded(engine, o, streamIdTime(log.id));
    return message === undefined ? o : { ...o, message };
  };
  for (let i = from; i < entries.length; i++) {
    const id = entries[i]!.id;
    if (entries[i]!.fields.length === 0) return { ...base, inputId: id, reason: 'input gone' };
    const expected = recorded.get(id) ?? [];
    const actual = replayed[i]!;
    for (let k = 0; k < Math.max(expected.length, actual.length); k++) {
      const e = expected[k];
      const a = actual[k];
      if (e !== undefined && a !== undefined && e.messageId === a.messageId && e.stream === a.stream && e.digest === a.digest) continue;
      const reason = e === undefined ? 'extra output' : a === undefined ? 'output missing' : 'output differs';
      return {
        ...base,
        inputId: id,
        reason,
        ...(e === undefined ? {} : { expected: await expectedOf(e) }),
        ...(a === undefined ? {} : { actual: actualOf(a) }),
      };
    }
    const was = recordedDead.get(id) ?? null;
    const now = replayedDead.get(id) ?? null;
    if (was !== now) return { ...base, inputId: id, reason: 'dead letter differs', deadLetter: { expected: was, actual: now } };
  }
  return undefined;
}

/** The recorded output message, looked up by its message id near the log entry's time; undefined when it is gone. */
async function findRecorded(engine: Engine, output: LoggedOutput, atMs: number): Promise<Message | undefined> {
  const page = await engine.range(output.stream, `${Math.max(0, atMs - 60_000)}-0`, `${atMs + 1_000}-0`, 10_000);
  for (const e of page) {
    const msg = decodeEntry(output.stream, e);
    if (!(msg instanceof ProtocolError) && msg.id === output.messageId) return msg;
  }
  return undefined;
}
