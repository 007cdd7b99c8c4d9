/**
 * One batch of commands decided, without touching the engine: what the
 * writer's fenced write must hold (changelog entries, outbox entries, acks,
 * replies) and what memory becomes once it is stored. Commands of a batch see
 * the changes of the commands before them.
 */
import {
  decodeEntry,
  ProtocolError,
  DEADLINE_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  type AppendItem,
  type FieldValue,
  type Message,
  type RawEntry,
} from '@streamerson/core';
import { parseDeadline, safeErrorReply, successReply } from '@streamerson/service/internal';
import { encodeChange, encodeOutbox, type OutboxCommand, type Versioned } from '../codec.js';
import { EXPECTED_VERSION_HEADER, failureReply, KEY_HEADER, type CommandFailure } from '../errors.js';
import { Rejection, shardOf, type CommandContext, type CommandMap, type Machine } from '../machine.js';
import { shardKeys, type ShardKeys } from '../names.js';
import type { AppliedCommands } from './dedupe.js';
import { MAX_KEY_LENGTH } from '../options.js';

/** A command entry read from the command stream, decoded. */
export interface Incoming {
  readonly entry: RawEntry;
  /** The message, or why the entry is not one. */
  readonly msg: Message | ProtocolError;
  /** The key header, when the message has a usable one. */
  readonly key: string | undefined;
}

/** What the successful reply of a command carries. */
export interface CommandResult<S = unknown> {
  readonly key: string;
  /** The key's version after the command. */
  readonly version: number;
  readonly state: S;
  /** True when the command id was applied before: nothing was applied now, and this is the first result. */
  readonly duplicate?: true;
}

/** A change of the batch, in the order of its changelog entry. */
export interface PlannedChange<S> {
  readonly key: string;
  readonly commandId: string;
  readonly value: Versioned<S>;
}

/** A batch decided: the fenced write's parts and what memory becomes after it. */
export interface BatchPlan<S> {
  /** Changelog entries (one per change, in order), then outbox entries. */
  readonly appends: AppendItem[];
  readonly changes: PlannedChange<S>[];
  readonly outbox: OutboxCommand[];
  readonly replies: AppendItem[];
  /** Every entry of the batch is acknowledged, whatever became of it. */
  readonly acks: string[];
  readonly counts: { applied: number; rejected: number; duplicates: number; expired: number; failed: number; bad: number };
  /** Entries that are not commands, and handlers that threw: for the writer's events. */
  readonly problems: { readonly entryId: string; readonly error: Error }[];
}

export function decodeIncoming(stream: string, entries: readonly RawEntry[]): Incoming[] {
  return entries.map((entry) => {
    const msg = decodeEntry(stream, entry);
    const key = msg instanceof ProtocolError ? undefined : msg.headers[KEY_HEADER];
    return { entry, msg, key: key !== undefined && key !== '' && key.length <= MAX_KEY_LENGTH ? key : undefined };
  });
}

/** What the planner needs besides the entries. */
export interface PlanContext<S, E> {
  readonly machine: Machine<S, CommandMap, E>;
  readonly keys: ShardKeys;
  /** The committed state of a key (memory or snapshot), before this batch. */
  readonly lookup: (key: string) => Versioned<S>;
  readonly applied: AppliedCommands<S>;
  readonly now: number;
  /** Source of replies: the writer's id. */
  readonly source: string;
  /** The writer's fencing epoch, recorded in each change. */
  readonly epoch: number;
}

/** Decides a batch. Never throws: every entry ends as a change, a reply or a problem. */
export function planBatch<S, E>(incoming: readonly Incoming[], ctx: PlanContext<S, E>): BatchPlan<S> {
  const { machine, keys, now, source } = ctx;
  const plan: BatchPlan<S> = {
    appends: [],
    changes: [],
    outbox: [],
    replies: [],
    acks: [],
    problems: [],
    counts: { applied: 0, rejected: 0, duplicates: 0, expired: 0, failed: 0, bad: 0 },
  };
  const overlay = new Map<string, Versioned<S>>();
  const inBatch = new Map<string, CommandResult<S>>();
  const current = (key: string): Versioned<S> => overlay.get(key) ?? ctx.lookup(key);
  const fail = (msg: Message, failure: CommandFailure, message: string, details?: unknown, machineCode?: string): void => {
    const { status, error } = failureReply(failure, message, details, machineCode);
    if (msg.replyTo !== '') plan.replies.push(safeErrorReply(msg, status, error, source));
  };

  for (const { entry, msg, key } of incoming) {
    plan.acks.push(entry.id);
    if (msg instanceof ProtocolError) {
      plan.counts.bad++;
      plan.problems.push({ entryId: entry.id, error: msg });
      continue;
    }
    const deadline = parseDeadline(msg.headers[DEADLINE_HEADER]);
    if (deadline !== undefined && deadline < now) {
      plan.counts.expired++;
      continue;
    }
    if (key === undefined) {
      plan.counts.failed++;
      fail(msg, 'badRequest', `a command needs a "${KEY_HEADER}" header of 1-${MAX_KEY_LENGTH} characters`);
      continue;
    }
    const type = msg.type;
    if (shardOf(machine, key) !== keys.shard) {
      plan.counts.failed++;
      fail(msg, 'badRequest', `key "${key}" belongs to shard ${shardOf(machine, key)} of "${machine.name}", not ${keys.shard}`);
      continue;
    }
    const commandId = msg.headers[IDEMPOTENCY_KEY_HEADER] ?? msg.id;
    const seen = inBatch.get(commandId) ?? firstResult(ctx, commandId, current);
    if (seen !== undefined) {
      plan.counts.duplicates++;
      if (msg.replyTo !== '') plan.replies.push(successReply(msg, { ...seen, duplicate: true }, source));
      continue;
    }
    const command = machine.command(type);
    if (command === undefined) {
      plan.counts.failed++;
      fail(msg, 'unknownType', `"${machine.name}" has no command "${type}"`);
      continue;
    }
    const problems = command.check?.(msg.payload);
    if (problems !== undefined) {
      plan.counts.failed++;
      fail(msg, 'invalidPayload', `the payload of "${type}" fails its schema`, { problems: problems.slice(0, 20) });
      continue;
    }
    const before = current(key);
    const expected = msg.headers[EXPECTED_VERSION_HEADER];
    if (expected !== undefined && expected !== String(before.version)) {
      plan.counts.rejected++;
      fail(msg, 'versionConflict', `key "${key}" is at version ${before.version}, not ${expected}`, {
        expected: /^\d{1,15}$/.test(expected) ? Number(expected) : expected,
        actual: before.version,
      });
      continue;
    }
    const emitted: OutboxCommand[] = [];
    let decision: readonly E[] | Rejection;
    let after: S;
    try {
      decision = command.decide(before.state, msg.payload, context(ctx, key, before.version, commandId, emitted));
      after = decision instanceof Rejection ? before.state : machine.fold(before.state, decision);
    } catch (error) {
      if (error instanceof Rejection) {
        decision = error;
        after = before.state;
      } else {
        plan.counts.failed++;
        plan.problems.push({ entryId: entry.id, error: error instanceof Error ? error : new Error(String(error)) });
        fail(msg, 'handlerFailed', `command "${type}" of "${machine.name}" failed`);
        continue;
      }
    }
    if (decision instanceof Rejection) {
      plan.counts.rejected++;
      fail(msg, 'rejected', decision.message, decision.details, decision.code);
      continue;
    }
    if (decision.length === 0 && emitted.length === 0) {
      // Nothing changes: answered with the current version, nothing recorded.
      if (msg.replyTo !== '') plan.replies.push(successReply(msg, { key, version: before.version, state: before.state }, source));
      continue;
    }
    const value: Versioned<S> = { version: before.version + 1, state: after };
    let fields: FieldValue[];
    try {
      fields = encodeChange({ key, version: value.version, commandId, type, events: decision, state: after, epoch: ctx.epoch });
    } catch (error) {
      plan.counts.failed++;
      plan.problems.push({ entryId: entry.id, error: error as Error });
      fail(msg, 'handlerFailed', `the events or state of command "${type}" cannot be stored as JSON`);
      continue;
    }
    overlay.set(key, value);
    const result: CommandResult<S> = { key, version: value.version, state: after };
    inBatch.set(commandId, result);
    plan.changes.push({ key, commandId, value });
    plan.appends.push({ stream: keys.changelog, fields });
    plan.outbox.push(...emitted);
    plan.counts.applied++;
    if (msg.replyTo !== '') plan.replies.push(successReply(msg, result, source));
  }
  for (const command of plan.outbox) plan.appends.push({ stream: keys.outbox, fields: encodeOutbox(command) });
  return plan;
}

/** The first result of a command id applied before this batch, if it is still remembered. */
function firstResult<S, E>(ctx: PlanContext<S, E>, commandId: string, current: (key: string) => Versioned<S>): CommandResult<S> | undefined {
  const applied = ctx.applied.get(commandId, ctx.now);
  if (applied === undefined) return undefined;
  // The state it made, if the key has not changed since; else the version alone tells.
  const now = current(applied.key);
  return { key: applied.key, version: applied.version, state: now.version === applied.version ? now.state : applied.state };
}

function context<S, E>(ctx: PlanContext<S, E>, key: string, version: number, commandId: string, emitted: OutboxCommand[]): CommandContext {
  const { machine } = ctx;
  return {
    key,
    version,
    commandId,
    now: ctx.now,
    emit(target: string, type: string, payload: unknown): void {
      if (typeof target !== 'string' || target === '' || target.length > MAX_KEY_LENGTH) throw new TypeError(`emit: a key is 1-${MAX_KEY_LENGTH} characters`);
      if (machine.command(type) === undefined) throw new TypeError(`emit: "${machine.name}" has no command "${type}"`);
      emitted.push({ to: shardKeys(machine, shardOf(machine, target)).commands, id: `${commandId}/${emitted.length}`, key: target, type, payload });
    },
    reject: (code: string, message: string, details?: unknown) => new Rejection(code, message, details),
  };
}
