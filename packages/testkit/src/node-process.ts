/**
 * Node scripts run as child processes for cross-process tests (workers that
 * are SIGKILLed and restarted). A script talks to the test over stdout, one
 * JSON object per line with an `event` name, and says `{"event":"ready"}`
 * once it works; it should exit when its stdin closes, so that it never
 * outlives the test process. Every process started here is remembered until
 * it exits, so that `after(killNodeProcesses)` leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Default deadline for a script to say it is ready: generous, since a process
 * that loads the packages and connects can take tens of seconds on cores that
 * other test files share; a script that fails says so on stderr and exits sooner.
 */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Bound on the stderr kept for failure messages. */
const MAX_OUTPUT_CHARS = 8_192;

/** One line a script printed. */
export interface NodeProcessEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** How a process ended. */
export interface NodeProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running script. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** Events printed so far. */
  readonly events: readonly NodeProcessEvent[];
  /** Resolves when the process is gone. */
  readonly exited: Promise<NodeProcessExit>;
  /** The tail of what it wrote to stderr, for failure messages. */
  stderr(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<NodeProcessExit>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<NodeProcessExit>;
}

const live = new Set<ChildProcess>();

/** Starts `script` with `args` and resolves once it printed `{"event":"ready"}`; rejects (killing it) when it exits or times out first. */
export async function startNodeProcess(
  script: string,
  args: readonly string[],
  options: { readonly readyTimeoutMs?: number; readonly name?: string } = {},
): Promise<NodeProcess> {
  const name = options.name ?? script;
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const events: NodeProcessEvent[] = [];
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
      let event: NodeProcessEvent;
      try {
        event = JSON.parse(line) as NodeProcessEvent;
      } catch {
        continue; // not an event (a stray log line)
      }
      events.push(event);
      if (event.event === 'ready') onReady();
    }
  });
  const exited = new Promise<NodeProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const proc: NodeProcess = {
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
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      exited.then(({ code, signal }) => {
        throw new Error(`${name} exited during start-up (${signal ?? code}): ${err}`);
      }),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} not ready within ${readyTimeoutMs} ms: ${err}`)), readyTimeoutMs);
      }),
    ]);
  } catch (e) {
    await proc.kill();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return proc;
}

/** SIGKILLs every process started by {@link startNodeProcess} that still runs, and waits for them to exit. */
export async function killNodeProcesses(): Promise<void> {
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
