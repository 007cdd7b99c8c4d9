/**
 * Writes on one standalone connection: commands sent in one synchronous run
 * with the socket corked (one write), and a worker's replies with their acks
 * as one MULTI/EXEC transaction.
 */
import { Command, type Redis } from 'ioredis';
import type { AppendItem, StreamAcks } from '@streamerson/core';
import { xackCommand, xaddCommand } from './commands.js';

function ignore(): void {}

type Corkable = { cork?(): void; uncork?(): void } | undefined;

/** Runs `send` with the connection's socket corked: the commands it sends leave in one write. Returns what `send` returns. */
export function corked<T>(connection: Redis, send: () => T): T {
  return corkedAll([connection], send);
}

/** {@link corked} over several connections (a Cluster's masters): what `send` sends to each leaves in one write to it. */
export function corkedAll<T>(connections: readonly Redis[], send: () => T): T {
  const sockets = connections.map((connection) => connection.stream as Corkable);
  for (const socket of sockets) socket?.cork?.();
  try {
    return send();
  } finally {
    for (const socket of sockets) socket?.uncork?.();
  }
}

/** Sends a command queued in a transaction: its own reply is `QUEUED` or an error that EXEC reports again. */
function sendQueued(connection: Redis, command: Command): void {
  connection.sendCommand(command);
  command.promise.catch(ignore);
}

/**
 * Sends `MULTI`, the appends, the acks and `EXEC` (call it inside
 * {@link corked}, so that nothing else on the connection comes between MULTI
 * and EXEC). Resolves with the first append that failed while the transaction
 * ran, or undefined; rejects when Redis refused the transaction (nothing
 * applied) or the connection failed. A transaction Redis refuses (a command it
 * will not queue, such as a write when out of memory) applies nothing, so no
 * entry is acknowledged without its append.
 */
export function sendAppendAndAck(connection: Redis, items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<Error | undefined> {
  const exec = new Command('exec', [], { replyEncoding: 'utf8' });
  sendQueued(connection, new Command('multi', [], { replyEncoding: 'utf8' }));
  for (const item of items) sendQueued(connection, xaddCommand(item));
  for (const a of acks) if (a.ids.length > 0) sendQueued(connection, xackCommand(a.stream, group, a.ids));
  connection.sendCommand(exec);
  return (exec.promise as Promise<unknown[] | null>).then((results) => {
    for (let i = 0; i < items.length; i++) {
      const result = results?.[i];
      if (result instanceof Error) return result;
    }
    return undefined;
  });
}
