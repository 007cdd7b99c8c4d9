import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './children.js';
import { freePort } from './free-port.js';
import { redisCommand, type RespValue } from './resp.js';
import { sleep } from './wait.js';

/** Default deadline for a server to answer after it was spawned. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;
/** How long {@link RedisServer.stop} waits after SIGTERM before SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 3_000;
/** How often a starting server is polled. */
const POLL_INTERVAL_MS = 25;
/** How many free ports are tried when another process grabs one first. */
const MAX_PORT_ATTEMPTS = 5;
/** Bound on the server output kept for error messages. */
const MAX_OUTPUT_CHARS = 8_192;

/** The message of the error raised when `redis-server` cannot be found. */
export const REDIS_SERVER_MISSING_HINT =
  'redis-server not found on PATH — install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Listen on this port (for example to start a server again where one was killed); default a free port. */
  readonly port?: number;
  /** Extra `redis-server` arguments, for example `['--maxmemory', '10mb']`; default none. */
  readonly args?: readonly string[];
  /** The server binary; default `redis-server` looked up on PATH. */
  readonly binary?: string;
  /** Environment of the server process (its PATH is used to find the binary); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Deadline for the server to answer; default {@link DEFAULT_START_TIMEOUT_MS}. */
  readonly startTimeoutMs?: number;
  /** Starts the server with `--requirepass`; `url` and `command` then carry the password. Default none. */
  readonly password?: string;
  /**
   * A configuration file's text, written to the server's directory and passed
   * first (a Sentinel needs one it can rewrite: `args: ['--sentinel']`). Default none.
   */
  readonly config?: string;
}

/** A redis-server process started for a test. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** The server's working directory (removed by {@link stop}). */
  readonly dir: string;
  /** Sends one command over a fresh socket (see {@link redisCommand}). */
  command(...args: (string | Buffer)[]): Promise<RespValue>;
  /** SIGTERM, SIGKILL after {@link DEFAULT_STOP_GRACE_MS}, then removes the directory. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) without waiting, to simulate a crash. */
  kill(signal?: NodeJS.Signals): void;
}

class PortInUse extends Error {}

/** Keeps the last {@link MAX_OUTPUT_CHARS} characters a process printed. */
function captureOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves once the server on `port` answers and is the process we started (not another one on the same port). */
async function waitReady(child: ChildProcess, port: number, deadline: number, output: () => string, password: string | undefined): Promise<void> {
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) {
      if (/address already in use/i.test(output())) throw new PortInUse();
      throw new Error(`redis-server on port ${port} exited during start-up:\n${output()}`);
    }
    try {
      const info = await redisCommand(port, ['INFO', 'server'], { timeoutMs: 500, ...(password === undefined ? {} : { password }) });
      if (typeof info === 'string' && info.includes(`process_id:${child.pid}\r\n`)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) {
      throw new Error(`redis-server on port ${port} did not answer within the start deadline:\n${output()}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function launch(port: number, options: StartRedisOptions): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'streamerson-redis-'));
  const configFile = join(dir, 'redis.conf');
  if (options.config !== undefined) await writeFile(configFile, options.config);
  const args = [
    ...(options.config === undefined ? [] : [configFile]),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--dir',
    dir,
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ...(options.args ?? []),
  ];
  const child = spawn(options.binary ?? 'redis-server', args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (spawned !== null) {
    await rm(dir, { recursive: true, force: true });
    const missing = (spawned as NodeJS.ErrnoException).code === 'ENOENT';
    throw missing ? new Error(REDIS_SERVER_MISSING_HINT, { cause: spawned }) : spawned;
  }
  track(child, dir);
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const exited = waitExit(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), DEFAULT_STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await waitReady(child, port, Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS), output, options.password);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    pid,
    dir,
    command: (...commandArgs) => redisCommand(port, commandArgs, options.password === undefined ? {} : { password: options.password }),
    stop,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
    },
  };
}

/**
 * Starts a throwaway `redis-server` on a free port of 127.0.0.1, without
 * persistence, in a fresh temporary directory, and resolves once it answers.
 * The caller stops it (`after(() => server.stop())`); it is killed anyway when
 * the test process exits. Rejects with an install hint when the binary is
 * missing, and with the server's output when it fails to start.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  if (options.port !== undefined) return launch(options.port, options);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, options);
    } catch (err) {
      if (err instanceof PortInUse && attempt < MAX_PORT_ATTEMPTS) continue;
      if (err instanceof PortInUse) throw new Error(`no free port found after ${MAX_PORT_ATTEMPTS} attempts`);
      throw err;
    }
  }
}
