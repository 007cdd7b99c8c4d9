/**
 * Starts and stops {@link WorkerConfig worker processes} for the cross-process
 * tests. Every worker started here is remembered until it exits, so that
 * `after(killWorkers)` leaves none behind even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig, WorkerEvent } from './process-worker.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./process-worker.js', import.meta.url));
/** Deadline for a worker to connect and start its services. */
const READY_TIMEOUT_MS = 15_000;
/** Bound on the worker output kept for failure messages. */
const MAX_OUTPUT_CHARS = 8_192;

/** How a worker process ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly consumer: string;
  readonly child: ChildProcess;
  /** Events the worker printed so far. */
  readonly events: readonly WorkerEvent[];
  /** Resolves when the worker is gone. */
  readonly exited: Promise<WorkerExit>;
  /** What the worker wrote to stderr (the tail), for failure messages. */
  stderr(): string;
  /** SIGTERM (drain) and wait for the exit. */
  stop(): Promise<WorkerExit>;
  /** SIGKILL (crash) and wait for the exit. */
  kill(): Promise<WorkerExit>;
}

const live = new Set<ChildProcess>();

/** Starts a worker and resolves once all its services read. */
export async function startWorker(config: WorkerConfig): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const events: WorkerEvent[] = [];
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  let err = '';
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    let nl: number;
    while ((nl = out.indexOf('\n')) !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      let event: WorkerEvent;
      try {
        event = JSON.parse(line) as WorkerEvent;
      } catch {
        continue; // not one of ours (a stray log line)
      }
      events.push(event);
      if (event.event === 'ready') onReady();
    }
  });
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const worker: WorkerProcess = {
    consumer: config.consumer,
    child,
    events,
    exited,
    stderr: () => err,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      exited.then(({ code, signal }) => {
        throw new Error(`worker ${config.consumer} exited during start-up (${signal ?? code}): ${err}`);
      }),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`worker ${config.consumer} not ready within ${READY_TIMEOUT_MS} ms: ${err}`)), READY_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    await worker.kill();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return worker;
}

/** SIGKILLs every worker still running and waits for them to exit. */
export async function killWorkers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
