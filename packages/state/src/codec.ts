/**
 * Entries a machine writes: changelog entries (fields `k` key, `n` version,
 * `c` command id, `t` command type, `e` events as JSON, `s` the state after
 * them as JSON, `w` the fencing epoch of the writer that stored it), snapshot values (`[version, state]` as JSON) and outbox
 * entries (`to` the target command stream, `m` the command as JSON).
 */
import type { FieldValue, RawEntry } from '@streamerson/core';

/** One applied command, as the changelog holds it. */
export interface Change<S = unknown, E = unknown> {
  /** The changelog entry id: the change's offset. */
  readonly id: string;
  readonly key: string;
  /** The key's version after the command. */
  readonly version: number;
  readonly commandId: string;
  readonly type: string;
  readonly events: readonly E[];
  readonly state: S;
  /** The fencing epoch of the writer that stored the change. */
  readonly epoch: number;
}

/** A key's state and version. */
export interface Versioned<S = unknown> {
  readonly version: number;
  readonly state: S;
}

/** Field names of a changelog entry, in order. */
const CHANGE_FIELDS = ['k', 'n', 'c', 't', 'e', 's', 'w'];

export function encodeChange(change: Omit<Change, 'id'>): FieldValue[] {
  return [
    'k',
    change.key,
    'n',
    String(change.version),
    'c',
    change.commandId,
    't',
    change.type,
    'e',
    JSON.stringify(change.events),
    's',
    JSON.stringify(change.state),
    'w',
    String(change.epoch),
  ];
}

/** The change an entry holds, or undefined when it is not a changelog entry. */
export function decodeChange(entry: RawEntry): Change | undefined {
  const f = entry.fields;
  if (f.length !== 14) return undefined;
  for (let i = 0; i < 14; i += 2) if (f[i]!.toString() !== CHANGE_FIELDS[i / 2]) return undefined;
  const version = Number(f[3]!.toString());
  const epoch = Number(f[13]!.toString());
  if (!Number.isSafeInteger(version) || version < 1 || !Number.isSafeInteger(epoch) || epoch < 1) return undefined;
  try {
    const events = JSON.parse(f[9]!.toString()) as unknown;
    if (!Array.isArray(events)) return undefined;
    return {
      id: entry.id,
      key: f[1]!.toString(),
      version,
      commandId: f[5]!.toString(),
      type: f[7]!.toString(),
      events,
      state: JSON.parse(f[11]!.toString()),
      epoch,
    };
  } catch {
    return undefined;
  }
}

export function encodeSnapshot(value: Versioned): string {
  return JSON.stringify([value.version, value.state]);
}

/** A snapshot value, or undefined when it is not one. */
export function decodeSnapshot(bytes: Buffer): Versioned | undefined {
  try {
    const parsed = JSON.parse(bytes.toString()) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0])) return undefined;
    return { version: parsed[0] as number, state: parsed[1] };
  } catch {
    return undefined;
  }
}

/** A command emitted to another key, waiting in the outbox. */
export interface OutboxCommand {
  /** The target's command stream. */
  readonly to: string;
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly payload: unknown;
}

export function encodeOutbox(command: OutboxCommand): FieldValue[] {
  return ['to', command.to, 'm', JSON.stringify({ id: command.id, key: command.key, type: command.type, payload: command.payload })];
}

export function decodeOutbox(entry: RawEntry): OutboxCommand | undefined {
  const f = entry.fields;
  if (f.length !== 4 || f[0]!.toString() !== 'to' || f[2]!.toString() !== 'm') return undefined;
  try {
    const m = JSON.parse(f[3]!.toString()) as { id?: unknown; key?: unknown; type?: unknown; payload?: unknown };
    if (typeof m.id !== 'string' || typeof m.key !== 'string' || typeof m.type !== 'string') return undefined;
    return { to: f[1]!.toString(), id: m.id, key: m.key, type: m.type, payload: m.payload };
  } catch {
    return undefined;
  }
}
