/**
 * `streamerson state watch`: follows a machine's changelogs with a
 * `StateReader` (one shard for a key, else all) and prints each change as a
 * JSON line until stopped. With a key, its current state comes first. Output
 * is bounded: a reader of stdout that falls {@link MAX_PENDING_LINES} lines
 * behind ends the watch with `ERR_STREAMERSON_SLOW_CONSUMER`.
 */
import { StreamersonError, type Engine } from '@streamerson/core';
import { shardOf, StateReader, type Change, type MachineRef } from '@streamerson/state';
import { note, type CliContext } from '../context.js';
import { plural } from '../inspect/units.js';

/** Lines written but not yet taken by stdout before the watch gives up. */
export const MAX_PENDING_LINES = 10_000;

/** A change as a line: the changelog entry's fields by name. */
export function changeLine(c: Change): string {
  return `${JSON.stringify({ id: c.id, key: c.key, version: c.version, type: c.type, commandId: c.commandId, events: c.events, state: c.state, epoch: c.epoch })}\n`;
}

export async function watchMachine(ctx: CliContext, engine: Engine, machine: MachineRef, key: string | undefined): Promise<void> {
  const reader = new StateReader(engine, machine, key === undefined ? {} : { shards: [shardOf(machine, key)] });
  const signal = ctx.lifecycle.signal;
  let pending = 0;
  let printed = 0;
  let failed: Error | undefined;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const fail = (error: Error): void => {
    failed ??= error;
    stop();
  };
  const print = (line: string): void => {
    if (++pending > MAX_PENDING_LINES) {
      fail(new StreamersonError('ERR_STREAMERSON_SLOW_CONSUMER', `the reader of the output fell ${MAX_PENDING_LINES} changes behind`));
      return;
    }
    void ctx.out.write(line).then(() => {
      pending--;
      if (ctx.out.gone) stop();
    });
  };
  reader.on('change', (change) => {
    if ((key === undefined || change.key === key) && change.version > printed) print(changeLine(change));
  });
  reader.on('error', (error) => note(ctx, `streamerson: ${error instanceof StreamersonError ? error.code : error.name}: ${error.message} (retrying)`));
  void reader.closed.then((error) => error !== undefined && fail(error));
  signal.addEventListener('abort', stop, { once: true });
  try {
    await reader.start();
    if (key !== undefined) {
      const current = await reader.get(key);
      printed = current?.version ?? 0;
      print(`${JSON.stringify({ key, version: printed, state: current?.state ?? null })}\n`);
    }
    note(
      ctx,
      `watching ${key === undefined ? `every key of "${machine.name}"` : `"${key}" of "${machine.name}"`} (${plural(machine.shards, 'shard')}); stop with Ctrl-C`,
    );
    if (!signal.aborted) await stopped;
  } finally {
    signal.removeEventListener('abort', stop);
    await reader.close();
  }
  if (failed !== undefined) throw failed;
}
