/**
 * Argument lists of the stream commands, built as flat arrays so that ioredis
 * sends them without further copying.
 */
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

/** The part of an ioredis pipeline that {@link queueXadd} uses. */
interface XaddQueue {
  xadd(...args: Arg[]): unknown;
}

/**
 * Queues the XADD of `item` on an ioredis pipeline. The arguments go spread,
 * not as one nested array through `call`: ioredis then skips flattening them,
 * which is measurably cheaper at eighteen arguments per entry.
 */
export function queueXadd(pipeline: object, item: AppendItem): void {
  const queue = pipeline as XaddQueue;
  const f = item.fields;
  if (item.id === undefined && item.retention === undefined && item.noMkStream !== true && f.length === 16) {
    // One protocol v1 entry with a generated id: the common case, without an intermediate array.
    queue.xadd(item.stream, '*', f[0]!, f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!, f[11]!, f[12]!, f[13]!, f[14]!, f[15]!);
  } else {
    queue.xadd(...xaddArgs(item.stream, f, item));
  }
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
export function xreadgroupArgs(
  group: string,
  consumer: string,
  positions: readonly GroupReadPosition[],
  options: GroupReadOptions | undefined,
): Arg[] {
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
