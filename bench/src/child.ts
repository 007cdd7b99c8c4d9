/**
 * Child processes of the bench (request/reply workers, HTTP servers): each is
 * `node <compiled script>` with an IPC channel, says when it is ready, and
 * answers queries for its own CPU time, handled count and RSS, so that the
 * bench can charge every process for its share of a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { StreamersonError } from '@streamerson/core';
import { budgeted } from './budget/modes.js';
import type { BenchContext } from './context.js';
import type { CpuTime } from './cpu-time.js';
import type { ChildQueryReply, ChildReady, ParentMessage } from './workers/ipc.js';

/** Longest wait for a child to report ready: a bound for a child that hangs, generous because a busy 2-core machine starting several Node processes at once takes seconds for each. */
export const DEFAULT_CHILD_READY_TIMEOUT_MS = 60_000;
/** Grace time after `stop` before the child is killed. */
export const DEFAULT_CHILD_STOP_GRACE_MS = 5_000;

/** A running child process. */
export interface ChildHandle {
  readonly pid: number;
  /** What the child reported when ready (e.g. the port it listens on). */
  readonly ready: ChildReady;
  /** Cumulative CPU time of the child. */
  cpu(): Promise<CpuTime>;
  /** Messages or requests the child handled so far. */
  handled(): Promise<number>;
  /** Resident set size of the child now, bytes. */
  rssBytes(): Promise<number>;
  /** Resident set size and V8 heap in use of the child now, bytes. */
  memory(): Promise<{ readonly rssBytes: number; readonly heapUsedBytes: number }>;
  /** The child's own measurements since its last report (children that measure, e.g. WebSocket subscribers). */
  report(): Promise<unknown>;
  /** Asks the child to finish and exit; kills it after a grace time. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `node <script> ...args` (a compiled file of `workers/`) and waits until it reports ready. */
export async function startChild(script: URL, args: readonly string[], readyTimeoutMs = DEFAULT_CHILD_READY_TIMEOUT_MS): Promise<ChildHandle> {
  const child = fork(script, [...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new StreamersonError('ERR_STREAMERSON_TIMEOUT', `${script.pathname} not ready within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    const onExit = (code: number | null): void =>
      fail(new StreamersonError('ERR_STREAMERSON_ENGINE', `${script.pathname} exited with ${code} before it was ready`));
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('exit', onExit);
    child.once('message', (msg: ChildReady) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(msg);
    });
  });
  return handle(child, ready);
}

function handle(child: ChildProcess, ready: ChildReady): ChildHandle {
  let seq = 0;
  const waiting = new Map<number, (reply: ChildQueryReply) => void>();
  child.on('message', (msg: ChildQueryReply) => waiting.get(msg.seq)?.(msg));
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (stopping !== undefined) return;
    // A worker or server that dies mid-run would leave requests unanswered and the bench hanging: fail loudly instead.
    throw new StreamersonError('ERR_STREAMERSON_ENGINE', `bench child ${child.spawnargs.slice(1).join(' ')} exited (${signal ?? code}) before it was stopped`);
  });
  const query = (report = false): Promise<ChildQueryReply> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, (reply) => {
        waiting.delete(id);
        resolve(reply);
      });
      const message: ParentMessage = { type: 'query', seq: id, report };
      child.send(message, (err) => {
        if (err) {
          waiting.delete(id);
          reject(err);
        }
      });
    });
  return {
    pid: child.pid!,
    ready,
    cpu: async () => (await query()).cpu,
    handled: async () => (await query()).handled,
    rssBytes: async () => (await query()).rssBytes,
    memory: async () => {
      const { rssBytes, heapUsedBytes } = await query();
      return { rssBytes, heapUsedBytes };
    },
    report: async () => (await query(true)).report,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const message: ParentMessage = { type: 'stop' };
        child.send(message, () => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), DEFAULT_CHILD_STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/**
 * Starts a server process of a scenario (see {@link startChild}): `started`
 * hears of it at once, so that the caller stops it even if what follows
 * fails; then it goes into a CPU budget of its own when the run has budgets
 * (`label` names it in errors).
 */
export async function startServer(
  ctx: BenchContext,
  script: URL,
  args: readonly string[],
  label: string,
  started: (c: ChildHandle) => void,
): Promise<ChildHandle> {
  const c = await startChild(script, args);
  started(c);
  return budgeted(ctx, c, label);
}

/**
 * Awaits every start in `starts` (children start in parallel: on two cores
 * that halves the wait), hands each value that came about to `keep` so that
 * the caller can release it, then throws the first failure, if any.
 */
export async function startAll<T>(starts: readonly Promise<T>[], keep: (value: T) => void = () => undefined): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  for (const s of settled) if (s.status === 'fulfilled') keep(s.value);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Stops every child, even when some fail to stop. */
export async function stopAll(children: readonly (ChildHandle | undefined)[]): Promise<void> {
  await Promise.allSettled(children.map((c) => c?.stop()));
}
