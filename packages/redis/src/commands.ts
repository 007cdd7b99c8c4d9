/**
 * Argument lists of the stream commands, built as flat arrays so that ioredis
 * sends them without further copying.
 */
import { Command } from 'ioredis';
import {
  InvalidOptionError,
  type AppendItem,
  type AppendOptions,
  type FieldValue,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type Retention,
} from '@streamerson/core';

/** Entries returned per stream by a read without `count`. */
export const DEFAULT_READ_COUNT = 100;

/** An argument as ioredis sends it. */
export type Arg = string | Buffer | number;

/** Appends `MAXLEN|MINID [~|=] threshold [LIMIT n]` to `args`. */
export function pushRetention(args: Arg[], retention: Retention): void {
  const approximate = retention.approximate !== false;
  if ('maxLen' in retention) args.push('MAXLEN', approximate ? '~' : '=', retention.maxLen);
  else args.push('MINID', approximate ? '~' : '=', retention.minId);
  if (retention.limit !== undefined) {
    if (!approximate) throw new InvalidOptionError('retention.limit', 'a limit needs approximate trimming');
    args.push('LIMIT', retention.limit);
  }
}

/** Arguments of XADD after the command name: key, options, id, fields. */
export function xaddArgs(stream: string, fields: readonly FieldValue[], options: AppendOptions | undefined): Arg[] {
  const args: Arg[] = [stream];
  if (options !== undefined) {
    if (options.noMkStream === true) args.push('NOMKSTREAM');
    if (options.retention !== undefined) pushRetention(args, options.retention);
    args.push(options.id ?? '*');
  } else {
    args.push('*');
  }
  for (let i = 0; i < fields.length; i++) args.push(fields[i]!);
  return args;
}

/**
 * A command whose request bytes are built here in one string. ioredis would
 * otherwise flatten, check and measure each argument and concatenate them;
 * for many short arguments that bookkeeping costs more than the bytes. Only
 * the arguments that name its keys are handed to ioredis, for cluster slot
 * routing.
 */
export class PrebuiltCommand extends Command {
  /**
   * `routing`: the leading arguments, enough for ioredis to find the first key
   * (XADD: the stream; EVALSHA: the digest, the key count, the first key).
   */
  constructor(
    name: string,
    routing: Arg[],
    private readonly request: string,
  ) {
    super(name, routing, { replyEncoding: 'utf8' });
  }

  override toWritable(): string {
    return this.request;
  }
}

/**
 * `\r\n$<n>\r\n`: the end of the string before and the head of a bulk string
 * of n bytes, made once for the usual lengths.
 */
const BULK_HEADS = Array.from({ length: 1_024 }, (_, n) => `\r\n$${n}\r\n`);

function bulkHead(bytes: number): string {
  return bytes < BULK_HEADS.length ? BULK_HEADS[bytes]! : `\r\n$${bytes}\r\n`;
}

/**
 * The pieces of the request being built, joined once at the end. Reused, and
 * written by index, so that building a request allocates little besides the
 * request: its length is set to what the last request used, which keeps its
 * storage while requests are of about the same size.
 */
const pieces: string[] = [];

/**
 * Adds the bulk strings of `lists` to {@link pieces} from `at`, each as a
 * head (which ends the string before) and its value, lengths counted in
 * UTF-16 units (`ascii`, right when every character is ASCII) or in bytes;
 * the index after them, or -1 when an argument is a Buffer.
 */
function pushBulks(lists: readonly (readonly Arg[])[], ascii: boolean, at: number): number {
  let n = at;
  for (const args of lists) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const value = typeof a === 'string' ? a : typeof a === 'number' ? String(a) : undefined;
      if (value === undefined) return -1;
      pieces[n++] = bulkHead(ascii ? value.length : Buffer.byteLength(value));
      pieces[n++] = value;
    }
  }
  return n;
}

/** The request of `name` and the lists' arguments joined, or undefined when one is a Buffer. */
function joinRequest(name: string, lists: readonly (readonly Arg[])[], count: number, ascii: boolean): string | undefined {
  pieces[0] = `*${count}\r\n$${Buffer.byteLength(name)}\r\n${name}`;
  const n = pushBulks(lists, ascii, 1);
  if (n === -1) return undefined;
  pieces[n] = '\r\n';
  pieces.length = n + 1;
  return pieces.join('');
}

/**
 * RESP of a command whose arguments (the lists', in order) are strings or
 * numbers; undefined when one is a Buffer. Built first as if every character
 * were ASCII, checked with one byte count of the whole, and built again with
 * each argument's byte count otherwise: one native call instead of one per
 * argument in the usual case.
 */
export function respRequest(name: string, ...lists: (readonly Arg[])[]): string | undefined {
  let count = 1;
  for (const args of lists) count += args.length;
  const request = joinRequest(name, lists, count, true);
  if (request === undefined || Buffer.byteLength(request) === request.length) return request;
  return joinRequest(name, lists, count, false);
}

/** RESP of `XADD <stream> [NOMKSTREAM] * f v …` when every field is a string; undefined otherwise. */
function xaddRequest(stream: string, noMkStream: boolean, fields: readonly FieldValue[]): string | undefined {
  return respRequest('xadd', noMkStream ? [stream, 'NOMKSTREAM', '*'] : [stream, '*'], fields);
}

/**
 * The XADD of `item` as one ioredis command, to send on its own (no pipeline
 * object for a single append); ioredis routes it by its key on a Cluster.
 */
export function xaddCommand(item: AppendItem): Command {
  if (item.id === undefined && item.retention === undefined) {
    const request = xaddRequest(item.stream, item.noMkStream === true, item.fields);
    if (request !== undefined) return new PrebuiltCommand('xadd', [item.stream], request);
  }
  return new Command('xadd', xaddArgs(item.stream, item.fields, item), { replyEncoding: 'utf8' });
}

/**
 * The XACK of `ids` as one prebuilt command, to send on its own: a consumer's
 * acks of one event-loop turn are already one call, so the engine's
 * auto-pipelining would only add a pipeline object, with the client's script
 * methods copied onto it, and a second turn's wait per ack (measured: that
 * path made the blocking reads' replies outlive young-generation collections,
 * about 0.5 µs of CPU per message consumed). ioredis routes it by its key on a
 * Cluster.
 */
export function xackCommand(stream: string, group: string, ids: readonly string[]): Command {
  const request = respRequest('xack', [stream, group], ids);
  return request === undefined ? new Command('xack', [stream, group, ...ids], { replyEncoding: 'utf8' }) : new PrebuiltCommand('xack', [stream], request);
}

/** Arguments of XREAD. */
export function xreadArgs(positions: readonly ReadPosition[], options: ReadOptions | undefined): Arg[] {
  const args: Arg[] = ['COUNT', options?.count ?? DEFAULT_READ_COUNT];
  if (options?.blockMs !== undefined) args.push('BLOCK', options.blockMs);
  args.push('STREAMS');
  for (const p of positions) args.push(p.stream);
  for (const p of positions) args.push(p.after);
  return args;
}

/** Arguments of XREADGROUP. */
export function xreadgroupArgs(group: string, consumer: string, positions: readonly GroupReadPosition[], options: GroupReadOptions | undefined): Arg[] {
  const args: Arg[] = ['GROUP', group, consumer, 'COUNT', options?.count ?? DEFAULT_READ_COUNT];
  if (options !== undefined) {
    if (options.blockMs !== undefined) args.push('BLOCK', options.blockMs);
    if (options.noAck === true) args.push('NOACK');
  }
  args.push('STREAMS');
  for (const p of positions) args.push(p.stream);
  for (const p of positions) args.push(p.after);
  return args;
}

/** Escapes the glob characters of SCAN MATCH so that `prefix` matches literally. */
export function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}
