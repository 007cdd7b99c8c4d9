import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, FencedError, StreamersonError, type Engine, type ErrorCode, type FencedWrite } from '@streamerson/core';
import type { RemoteAnswer } from './fixtures/remote-engine.js';

const REMOTE_ENGINE = new URL('./fixtures/remote-engine.js', import.meta.url).pathname;

/**
 * Operations a split engine sends to its second process: every write (appends
 * of every kind, trimming, deletion, expiry, group changes, leases, fenced
 * writes).
 * Reads — blocking and group reads, acks, claims, info — run in this process,
 * so a blocked group read here must be woken by an append made over there.
 */
const REMOTE_METHODS = new Set([
  'append',
  'appendBatch',
  'appendIdempotent',
  'appendAndAck',
  'createGroup',
  'destroyGroup',
  'setGroupId',
  'trim',
  'deleteEntries',
  'deleteStreams',
  'expire',
  'acquireLease',
  'renewLease',
  'releaseLease',
  'fencedWrite',
  'hashDelete',
]);

/**
 * An engine on `url` whose writes are made by a child process with its own
 * engine on the same URL, and whose reads are made here: the conformance suite
 * run through it checks that the engine's processes see each other's writes
 * with the contract's semantics. Closing it closes both.
 */
export async function splitEngine(url: string): Promise<Engine> {
  const local = await connect(url);
  const child = fork(REMOTE_ENGINE, [url], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  const calls = new Map<number, { args: unknown[]; resolve(value: unknown): void; reject(error: unknown): void }>();
  let next = 0;
  child.on('message', (answer: RemoteAnswer) => {
    const call = calls.get(answer.id);
    calls.delete(answer.id);
    if (call === undefined) return;
    if (answer.ok) call.resolve(answer.value);
    else if (answer.current !== undefined) {
      // Rebuilt as the class it was, as the engine's callers match on it.
      const write = call.args[0] as FencedWrite;
      call.reject(new FencedError(write.lease, write.epoch, answer.current));
    } else call.reject(new StreamersonError(answer.code as ErrorCode, `(other process) ${answer.message}`));
  });
  child.on('exit', (code, signal) => {
    for (const call of calls.values()) call.reject(new Error(`the writing process exited (${code ?? signal})`));
    calls.clear();
  });
  const remote =
    (method: string) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = next++;
        calls.set(id, { args, resolve, reject });
        child.send({ id, method, args });
      });
  const closeBoth = async (): Promise<void> => {
    await local.close();
    if (child.connected) {
      child.disconnect();
      await once(child, 'exit');
    }
  };
  return new Proxy(local, {
    get(target, prop) {
      if (typeof prop === 'string' && REMOTE_METHODS.has(prop)) return remote(prop);
      if (prop === 'close' || prop === Symbol.asyncDispose) return closeBoth;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
