/**
 * The fencing capability on Redis (see `Fencing` in @streamerson/core):
 * leases on the server's clock and fenced writes as Lua scripts
 * (`scripts/lease-1.lua`, `scripts/fenced-write.lua`), hashes as plain
 * commands. On a Cluster the keys of a fenced write must share the lease's
 * slot, and follow-ups are appended after the script succeeded.
 */
import {
  EngineError,
  FencedError,
  InvalidOptionError,
  type AppendItem,
  type FencedWrite,
  type FencedWriteResult,
  type HashScanPage,
  type LeaseGrant,
  type LeaseState,
} from '@streamerson/core';
import { PrebuiltCommand, pushRetention, respRequest, xaddArgs, type Arg } from './commands.js';
import { FENCED_WRITE, LEASE, fencedWriteScript, fencedWriteSha, leaseScript } from './scripts/index.js';
import { keySlot } from './slots.js';
import type { Client } from './base-engine.js';

/**
 * Arguments per operation of a fenced write, at most: Lua's `unpack` is
 * bounded by the C stack (about 8,000 values), so long ack and hash lists are
 * split into several operations.
 */
export const MAX_OPERATION_ARGS = 1_000;

type ScriptCommand = (...args: Arg[]) => Promise<unknown>;

/** Registers the scripts on a client; call once per client. */
export function defineFencingScripts(client: Client): void {
  client.defineCommand(LEASE, { numberOfKeys: 1, lua: leaseScript() });
  client.defineCommand(FENCED_WRITE, { lua: fencedWriteScript() });
}

function run(client: Client, name: string, args: Arg[]): Promise<unknown> {
  return (client as unknown as Record<string, ScriptCommand>)[name]!.apply(client, args);
}

function checkNames(lease: unknown, owner: unknown): void {
  if (typeof lease !== 'string' || lease === '') throw new InvalidOptionError('lease', 'expected a non-empty string');
  if (typeof owner !== 'string' || owner === '') throw new InvalidOptionError('owner', 'expected a non-empty string');
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, `expected an integer >= 1, got ${String(value)}`);
  }
  return value;
}

export async function acquireLease(client: Client, lease: string, owner: string, ttlMs: number): Promise<LeaseGrant> {
  checkNames(lease, owner);
  const reply = (await run(client, LEASE, [lease, 'acquire', owner, positiveInt(ttlMs, 'ttlMs')])) as [number, string, number, number];
  return { acquired: reply[0] === 1, owner: reply[1], epoch: reply[2], remainingMs: reply[3] };
}

export async function renewLease(client: Client, lease: string, owner: string, epoch: number, ttlMs: number): Promise<boolean> {
  checkNames(lease, owner);
  const args = [lease, 'renew', owner, positiveInt(epoch, 'epoch'), positiveInt(ttlMs, 'ttlMs')];
  return (await run(client, LEASE, args)) === 1;
}

export async function releaseLease(client: Client, lease: string, owner: string, epoch: number): Promise<boolean> {
  checkNames(lease, owner);
  return (await run(client, LEASE, [lease, 'release', owner, positiveInt(epoch, 'epoch')])) === 1;
}

export async function leaseState(client: Client, lease: string): Promise<LeaseState> {
  checkNames(lease, 'state');
  const [owner, epoch, remainingMs] = (await run(client, LEASE, [lease, 'state'])) as [string, number, number];
  return { owner: owner === '' ? null : owner, epoch, remainingMs };
}

/** KEYS and ARGV of one fenced write, operations encoded as `fenced-write.lua` reads them. */
class ScriptCall {
  readonly keys: string[];
  readonly argv: Arg[];
  private readonly index = new Map<string, number>();

  constructor(write: FencedWrite) {
    this.keys = [write.lease];
    this.argv = [write.owner, write.epoch];
  }

  private keyIndex(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.push(key);
      this.index.set(key, i);
    }
    return i;
  }

  /** Starts an operation on `key`: its argument count is set by {@link end}. */
  private begin(code: 'X' | 'F' | 'A' | 'H' | 'D', key: string): number {
    const at = this.argv.length;
    this.argv.push(code, this.keyIndex(key), 0);
    return at;
  }

  private end(at: number): void {
    this.argv[at + 2] = this.argv.length - at - 3;
  }

  /** An XADD's arguments after the key: its options, a generated id, the fields. */
  append(code: 'X' | 'F', item: AppendItem): void {
    const at = this.begin(code, item.stream);
    if (item.noMkStream === true) this.argv.push('NOMKSTREAM');
    if (item.retention !== undefined) pushRetention(this.argv, item.retention);
    this.argv.push('*');
    const fields = item.fields;
    for (let i = 0; i < fields.length; i++) this.argv.push(fields[i]!);
    this.end(at);
  }

  /** `head` (if any) then `items` in operations of at most {@link MAX_OPERATION_ARGS} arguments. */
  split(code: 'A' | 'H' | 'D', key: string, head: Arg | undefined, items: readonly Arg[], step: number): void {
    const per = Math.max(step, Math.floor(MAX_OPERATION_ARGS / step) * step);
    for (let i = 0; i < items.length; i += per) {
      const at = this.begin(code, key);
      if (head !== undefined) this.argv.push(head);
      const last = Math.min(items.length, i + per);
      for (let j = i; j < last; j++) this.argv.push(items[j]!);
      this.end(at);
    }
  }
}

/** Throws when `item`, `list[i]` of a fenced write, is no append it takes. */
function checkAppend(item: AppendItem, list: 'appends' | 'followUps', i: number): void {
  if (item === null || typeof item !== 'object' || typeof item.stream !== 'string')
    throw new InvalidOptionError(`${list}[${i}]`, 'expected { stream, fields }');
  if (item.id !== undefined) throw new InvalidOptionError(`${list}[${i}].id`, 'fenced appends take generated ids');
}

/**
 * Builds the script call of `write`. `inScript` says whether follow-ups go in
 * the script (a single server) or after it (a Cluster: then every other key
 * must be in the lease's slot).
 */
export function fencedScriptCall(write: FencedWrite, inScript: boolean): ScriptCall {
  if (write === null || typeof write !== 'object') throw new InvalidOptionError('write', 'expected a fenced write');
  checkNames(write.lease, write.owner);
  positiveInt(write.epoch, 'epoch');
  const call = new ScriptCall(write);
  const slot = inScript ? -1 : keySlot(write.lease);
  // The option naming the key, `list[i].field`, is spelt out only in an error.
  const sameSlot = (key: string, list: string, i: number, field: string): string => {
    if (slot !== -1 && keySlot(key) !== slot)
      throw new InvalidOptionError(`${list}[${i}].${field}`, `"${key}" is not in the slot of the lease "${write.lease}"`);
    return key;
  };
  const appends = write.appends ?? [];
  for (let i = 0; i < appends.length; i++) {
    const item = appends[i]!;
    checkAppend(item, 'appends', i);
    sameSlot(item.stream, 'appends', i, 'stream');
    call.append('X', item);
  }
  const acks = write.acks ?? [];
  for (let i = 0; i < acks.length; i++) {
    const a = acks[i]!;
    if (a.ids.length > 0) call.split('A', sameSlot(a.stream, 'acks', i, 'stream'), a.group, a.ids, 1);
  }
  const hashes = write.hashes ?? [];
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    const key = sameSlot(h.key, 'hashes', i, 'key');
    const pairs: Arg[] = [];
    for (const [field, value] of h.set ?? []) pairs.push(field, value);
    if (pairs.length > 0) call.split('H', key, undefined, pairs, 2);
    if ((h.delete ?? []).length > 0) call.split('D', key, undefined, h.delete!, 1);
  }
  const followUps = write.followUps ?? [];
  for (let i = 0; i < followUps.length; i++) {
    const item = followUps[i]!;
    checkAppend(item, 'followUps', i);
    // After the script on a Cluster: its options are checked now all the same.
    if (inScript) call.append('F', item);
    else xaddArgs(item.stream, item.fields, item);
  }
  return call;
}

/**
 * Sends a built call as one prebuilt `EVALSHA` request (a write holds a few
 * arguments per entry, which ioredis would flatten and check one by one), and
 * with `EVAL` when the server does not know the script yet (`NOSCRIPT`:
 * nothing ran). Through ioredis's script command when an argument is a Buffer.
 */
async function sendScriptCall(client: Client, call: ScriptCall): Promise<unknown> {
  const sha = fencedWriteSha();
  const request = respRequest('evalsha', [sha, call.keys.length], call.keys, call.argv);
  if (request === undefined) return run(client, FENCED_WRITE, [call.keys.length, ...call.keys, ...call.argv]);
  try {
    return await client.sendCommand(new PrebuiltCommand('evalsha', [sha, 1, call.keys[0]!], request));
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
  }
  const source = fencedWriteScript();
  return client.sendCommand(new PrebuiltCommand('eval', [source, 1, call.keys[0]!], respRequest('eval', [source, call.keys.length], call.keys, call.argv)!));
}

/** Runs a built call; rejects with {@link FencedError} when the lease was not held at the epoch. */
export async function runFencedWrite(client: Client, write: FencedWrite, call: ScriptCall): Promise<FencedWriteResult> {
  const reply = (await sendScriptCall(client, call)) as (number | string)[];
  if (reply[0] !== 1) {
    const owner = reply[1] as string;
    throw new FencedError(write.lease, write.epoch, { owner: owner === '' ? null : owner, epoch: reply[2] as number });
  }
  const ids: (string | null)[] = new Array(reply.length - 2);
  for (let i = 2; i < reply.length; i++) ids[i - 2] = reply[i] === '' ? null : (reply[i] as string);
  const failed = reply[1] as string;
  return failed === '' ? { ids } : { ids, followUpError: new EngineError('ERR_STREAMERSON_ENGINE', failed) };
}

export async function hashGet(client: Client, key: string, fields: readonly string[]): Promise<(Buffer | null)[]> {
  if (!Array.isArray(fields) || fields.length === 0) throw new InvalidOptionError('fields', 'expected a non-empty array');
  return client.hmgetBuffer(key, ...fields);
}

export async function hashScan(client: Client, key: string, cursor: string, count: number): Promise<HashScanPage> {
  if (typeof cursor !== 'string' || !/^\d+$/.test(cursor))
    throw new InvalidOptionError('cursor', `expected "0" or a cursor from an earlier page, got ${JSON.stringify(cursor)}`);
  const [next, flat] = await client.hscanBuffer(key, cursor, 'COUNT', positiveInt(count, 'count'));
  const entries: [string, Buffer][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i]!.toString(), flat[i + 1]!]);
  return { cursor: next.toString(), entries };
}
