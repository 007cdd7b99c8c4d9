/**
 * Starts {@link WorkerConfig worker processes} for the cross-process tests,
 * through the test kit's `startNodeProcess`: every worker is remembered until
 * it exits, so that `after(killWorkers)` leaves none behind even when a test
 * fails.
 */
import { fileURLToPath } from 'node:url';
import { killNodeProcesses, startNodeProcess, type NodeProcess, type NodeProcessExit } from '@streamerson/testkit';
import type { WorkerConfig, WorkerEvent } from './process-worker.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./process-worker.js', import.meta.url));
/** Deadline for a worker to connect and start its services. */
const READY_TIMEOUT_MS = 15_000;

/** How a worker process ended. */
export type WorkerExit = NodeProcessExit;

/** A running worker process: `stop()` is a SIGTERM (drain), `kill()` a SIGKILL (crash). */
export interface WorkerProcess extends NodeProcess {
  readonly consumer: string;
  /** Events the worker printed so far. */
  readonly events: readonly WorkerEvent[];
}

/** Starts a worker and resolves once all its services read. */
export async function startWorker(config: WorkerConfig): Promise<WorkerProcess> {
  const proc = await startNodeProcess(WORKER_SCRIPT, [JSON.stringify(config)], { name: `worker ${config.consumer}`, readyTimeoutMs: READY_TIMEOUT_MS });
  return { ...proc, consumer: config.consumer, events: proc.events as unknown as readonly WorkerEvent[] };
}

/** SIGKILLs every worker still running and waits for them to exit. */
export const killWorkers = killNodeProcesses;
